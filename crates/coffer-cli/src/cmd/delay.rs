//! `coffer delay …`: a time-lock (coffer's CofferDelay or a canonical Zodiac Delay) between
//! proposers and a Safe. Parses, calls `coffer_chain::delay`, prints. Owner-side changes (setup,
//! cooldown, expiration, veto, proposers) are Safe transactions proposed through the normal flow
//! (`tx propose`'s `submit`, so the signing gate reviews them); owners then `coffer tx sign` and
//! `coffer tx execute` them.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
};
use clap::{Args, Subcommand, ValueEnum};
use coffer_chain::{
    delay::{self, DelayParams, DelayStatus, QueuedTx},
    read_safe,
};
use coffer_core::{Operation, SafeTx};
use coffer_signer::WalletOpts;
use serde_json::{Value, json};

use crate::flow::print_proposal;
use crate::{
    exit::bad_input,
    opts::{RpcOpts, SafeTxArgs, sending_key},
    output::{Fields, print_json, with_spinner},
    parse,
    parse::duration,
    view::modules::delay_status_json,
    view::time::{human, latest_time, utc},
};

/// `coffer delay …`.
#[derive(Debug, Subcommand)]
pub(crate) enum DelayCmd {
    /// Deploy a Delay for a Safe (owner, avatar and target = the Safe) and propose the Safe tx that
    /// enables it and its proposers.
    Deploy(Box<DeployArgs>),
    /// Show a Delay's settings, nonces, proposers and what runs there.
    Status(ReadArgs),
    /// List the queued calls: each re-hashed from its event, decoded, with its state and risk flags.
    Queue(ReadArgs),
    /// Queue a call as a proposer (an account enabled on the Delay).
    Propose(Box<ProposeArgs>),
    /// Run the head of the queue once its cooldown has passed (re-hashed and simulated first).
    ExecuteNext(Box<SendArgs>),
    /// Move the head past every expired call.
    SkipExpired(Box<SendArgs>),
    /// Veto queued calls: propose the Safe tx `setTxNonce(N + 1)` (or `--all`).
    Veto(Box<VetoArgs>),
    /// Propose the Safe tx that sets the cooldown (it applies to calls already queued).
    SetCooldown(Box<SettingArgs>),
    /// Propose the Safe tx that sets the expiration: 0 (never) or at least 60s.
    SetExpiration(Box<SettingArgs>),
    /// Propose the Safe tx that enables a proposer on the Delay.
    AddProposer(Box<ProposerArgs>),
    /// Propose the Safe tx that disables a proposer (the previous entry found in the list).
    RemoveProposer(Box<ProposerArgs>),
    /// Follow new queue entries and print an alert line for each (Ctrl-C stops).
    Watch(WatchArgs),
}

impl DelayCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Deploy(a) => a.run().await,
            Self::Status(a) => a.status().await,
            Self::Queue(a) => a.queue().await,
            Self::Propose(a) => a.run().await,
            Self::ExecuteNext(a) => a.execute_next().await,
            Self::SkipExpired(a) => a.skip_expired().await,
            Self::Veto(a) => a.run().await,
            Self::SetCooldown(a) => a.run(false).await,
            Self::SetExpiration(a) => a.run(true).await,
            Self::AddProposer(a) => a.run(true).await,
            Self::RemoveProposer(a) => a.run(false).await,
            Self::Watch(a) => a.run().await,
        }
    }
}

/// The Delay and the Safe it guards (`--safe`, default: the Delay's avatar).
#[derive(Debug, Args)]
struct Target {
    /// The Delay's address.
    #[arg(long)]
    delay: String,
    /// The Safe it guards (default: the Delay's avatar).
    #[arg(long)]
    safe: Option<String>,
}

impl Target {
    async fn read(&self, provider: &DynProvider) -> eyre::Result<(DelayStatus, Address)> {
        let d = parse::address("--delay", &self.delay)?;
        let status = delay::read_delay(provider, d).await?;
        let safe = match &self.safe {
            Some(s) => parse::address("--safe", s)?,
            None => status.avatar,
        };
        Ok((status, safe))
    }
}

fn queued_json(q: &QueuedTx) -> Value {
    json!({
        "index": q.index,
        "state": q.state.as_str(),
        "to": q.to,
        "value": q.value.to_string(),
        "data": q.data,
        "operation": q.operation,
        "storedHash": q.stored_hash,
        "computedHash": q.computed_hash,
        "hashOk": q.hash_ok(),
        "createdAt": q.created_at,
        "executableAt": q.executable_at,
        "expiresAt": q.expires_at,
        "proposer": q.proposer,
        "decoded": q.decoded.as_ref().map(ToString::to_string),
        "flags": q.flags.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// Arguments of `delay status` and `delay queue`.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl ReadArgs {
    async fn status(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (s, safe) = self.target.read(&provider).await?;
        let enabled =
            read_safe(&provider, safe).await.map(|i| i.is_module(s.address)).unwrap_or(false);
        let warnings = s.warnings(safe, enabled);
        if self.json {
            return print_json(&delay_status_json(&s, enabled, &warnings));
        }
        let mut f = Fields::default();
        f.add("delay", s.address)
            .add("implementation", s.kind)
            .add("owner", s.owner)
            .add("avatar", s.avatar)
            .add("target", s.target)
            .add("cooldown", format!("{} ({}s)", human(s.cooldown), s.cooldown))
            .add(
                "expiration",
                if s.expiration == 0 {
                    "never (0)".to_owned()
                } else {
                    format!("{} ({}s)", human(s.expiration), s.expiration)
                },
            )
            .add("txNonce", s.tx_nonce)
            .add("queueNonce", s.queue_nonce)
            .add("pending", s.pending())
            .add("enabled on Safe", enabled);
        let proposers: Vec<String> = s.proposers.iter().map(ToString::to_string).collect();
        f.add("proposers", if proposers.is_empty() { "none".into() } else { proposers.join(", ") });
        f.print();
        for w in warnings {
            eprintln!("warning: {w}");
        }
        Ok(())
    }

    async fn queue(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (s, safe) = self.target.read(&provider).await?;
        let now = latest_time(&provider).await?;
        let queue = delay::read_queue(&provider, &s, safe, now).await?;
        if self.json {
            return print_json(&json!({
                "delay": s.address,
                "now": now,
                "queue": queue.iter().map(queued_json).collect::<Vec<_>>(),
            }));
        }
        if queue.is_empty() {
            println!("the queue is empty (txNonce {} = queueNonce {})", s.tx_nonce, s.queue_nonce);
            return Ok(());
        }
        for q in &queue {
            let mut f = Fields::default();
            f.add("index", q.index).add("state", q.state.as_str());
            if let Some(d) = &q.decoded {
                f.add("call", d.to_string().trim_end());
            } else {
                f.add(
                    "call",
                    format!("to {} value {} op {} data {}", q.to, q.value, q.operation, q.data),
                );
            }
            f.add(
                "hash",
                if q.hash_ok() {
                    format!("{} (event re-hashed: matches)", q.stored_hash)
                } else {
                    format!(
                        "MISMATCH: stored {} but the event hashes to {}",
                        q.stored_hash, q.computed_hash
                    )
                },
            )
            .add("queued", utc(q.created_at))
            .add(
                "executable from",
                format!("{} ({})", utc(q.executable_at), countdown(q.executable_at, now)),
            )
            .add(
                "expires",
                q.expires_at
                    .map_or("never".to_owned(), |e| format!("{} ({})", utc(e), countdown(e, now))),
            )
            .add("proposer", q.proposer.map_or("unknown".to_owned(), |p| p.to_string()));
            let flags: Vec<String> = q.flags.iter().map(ToString::to_string).collect();
            f.add("flags", if flags.is_empty() { "none".into() } else { flags.join(", ") });
            f.print();
            println!();
        }
        Ok(())
    }
}

fn countdown(ts: u64, now: u64) -> String {
    if ts > now { format!("in {}", human(ts - now)) } else { format!("{} ago", human(now - ts)) }
}

/// Arguments of `delay deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// The Safe (owner, avatar and target of the Delay).
    #[arg(long)]
    safe: String,
    /// How long a queued call waits: e.g. 2d, 24h (Zodiac's default is 24h).
    #[arg(long)]
    cooldown: String,
    /// How long after its cooldown a call may still run: e.g. 7d, or 0 (never expires).
    #[arg(long)]
    expiration: String,
    /// An account (or module) allowed to queue calls; repeat for more.
    #[arg(long = "proposer")]
    proposers: Vec<String>,
    /// Deploy a canonical Zodiac Delay 1.0.1 proxy through the Zodiac ModuleProxyFactory instead of
    /// coffer's CofferDelay.
    #[arg(long)]
    zodiac: bool,
    /// The CREATE2 salt (nonce) of the deployment.
    #[arg(long, default_value = "0")]
    salt: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl DeployArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.safe)?;
        let cooldown = duration("--cooldown", &self.cooldown)?;
        let expiration = duration("--expiration", &self.expiration)?;
        let proposers = self
            .proposers
            .iter()
            .map(|p| parse::address("--proposer", p))
            .collect::<eyre::Result<Vec<_>>>()?;
        let salt = parse::uint("--salt", &self.salt)?;
        let params = DelayParams::for_safe(safe, cooldown, expiration);
        params.check()?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        // The nonce and (with --tx-service) the proposer are settled before anything is deployed.
        let prepared = self.tx.prepare(&info, true).await?;
        let suite = self.tx.suite.addresses(&provider).await?;
        let mut warnings = Vec::new();
        if expiration == 0 {
            warnings.push("expiration 0: queued calls never expire, and a failing head call can only be cleared by the owners' veto".to_owned());
        }
        if cooldown < 86_400 {
            warnings.push(format!(
                "the cooldown {} is shorter than a day: the owners must be able to see and veto a queued call within it",
                human(cooldown)
            ));
        }
        let signer = self.tx.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.tx.rpc.signing_provider(key)?;
        let address = if self.zodiac {
            for (what, a) in [
                ("the Zodiac ModuleProxyFactory", delay::ZODIAC_MODULE_PROXY_FACTORY),
                ("the Zodiac Delay 1.0.1 master copy", delay::ZODIAC_DELAY_101_MASTERCOPY),
            ] {
                if provider.get_code_at(a).await?.is_empty() {
                    return Err(bad_input(format!(
                        "{what} is not deployed on this chain at {a}; deploy coffer's CofferDelay instead (without --zodiac)"
                    )));
                }
            }
            let init = delay::setup_initializer(&params);
            let predicted = delay::zodiac_proxy_address(
                delay::ZODIAC_MODULE_PROXY_FACTORY,
                delay::ZODIAC_DELAY_101_MASTERCOPY,
                &init,
                salt,
            );
            if !self.tx.json {
                eprintln!("predicted Delay address: {predicted}");
            }
            with_spinner(
                "deploying the Zodiac Delay proxy",
                delay::deploy_zodiac_delay(
                    &sending,
                    from,
                    delay::ZODIAC_MODULE_PROXY_FACTORY,
                    delay::ZODIAC_DELAY_101_MASTERCOPY,
                    &params,
                    salt,
                ),
            )
            .await?
        } else {
            let deployer = coffer_chain::deploy::find_deployer(&provider).await?;
            let salt = B256::from(salt);
            let predicted = delay::coffer_delay_address(deployer, salt, &params)?;
            if !self.tx.json {
                eprintln!("predicted Delay address: {predicted}");
            }
            with_spinner(
                "deploying CofferDelay",
                delay::deploy_coffer_delay(&sending, from, salt, &params),
            )
            .await?
        };
        let tx = delay::setup_tx(
            &info,
            address,
            &proposers,
            suite.multi_send_call_only,
            prepared.nonce,
        )?;
        if !self.tx.json {
            eprintln!(
                "deployed the Delay at {address}; the Safe tx below enables it and its proposers:"
            );
            for w in &warnings {
                eprintln!("warning: {w}");
            }
        }
        let label = Some(format!("enable Delay {address}"));
        let (hash, mut v) =
            self.tx.submit(&provider, &prepared, &info, &tx, label, Some("delay deploy")).await?;
        v["delay"] = json!(address);
        v["warnings"] = json!(warnings);
        print_proposal(hash, &v, self.tx.json)
    }
}

/// Proposes an owner-side Safe tx on the Delay through the shared flow ([`SafeTxArgs::propose`]).
async fn propose_owner_tx(
    tx: &SafeTxArgs,
    status: &DelayStatus,
    label: String,
    build: impl FnOnce(U256) -> coffer_chain::Result<SafeTx>,
) -> eyre::Result<()> {
    let provider = tx.rpc.provider()?;
    tx.rpc.chain_id(&provider).await?;
    let safe = status.owner;
    let info = read_safe(&provider, safe).await.map_err(|e| {
        bad_input(format!(
            "the Delay's owner {safe} is not a Safe coffer can propose for ({e}); owner-side changes are Safe transactions"
        ))
    })?;
    let (hash, mut v) = tx.propose(&provider, &info, label, "delay", |n| Ok(build(n)?)).await?;
    v["delay"] = json!(status.address);
    print_proposal(hash, &v, tx.json)
}

/// Arguments of `delay veto`.
#[derive(Debug, Args)]
pub(crate) struct VetoArgs {
    /// The queue index to veto (with every index below it still queued).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    index: Option<String>,
    /// Veto the whole queue: `setTxNonce(queueNonce)`.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl VetoArgs {
    async fn run(self) -> eyre::Result<()> {
        let provider = self.tx.rpc.provider()?;
        let (s, _) = self.target.read(&provider).await?;
        let new = match &self.index {
            Some(i) => parse::count("INDEX", i)?.saturating_add(1),
            None => s.queue_nonce,
        };
        if !self.tx.json && new > s.tx_nonce.saturating_add(1) && self.index.is_some() {
            eprintln!(
                "note: setTxNonce({new}) also skips the queued calls {}..{} before it",
                s.tx_nonce,
                new - 2
            );
        }
        let label = format!("veto Delay queue below {new}");
        propose_owner_tx(&self.tx, &s, label, |n| delay::veto_tx(&s, new, n)).await
    }
}

/// Arguments of `delay set-cooldown` / `set-expiration`.
#[derive(Debug, Args)]
pub(crate) struct SettingArgs {
    /// The new value: e.g. 2d, 24h, 3600 (seconds), 0.
    value: String,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl SettingArgs {
    async fn run(self, expiration: bool) -> eyre::Result<()> {
        let what = if expiration { "EXPIRATION" } else { "COOLDOWN" };
        let secs = duration(what, &self.value)?;
        let provider = self.tx.rpc.provider()?;
        let (s, _) = self.target.read(&provider).await?;
        if !self.tx.json {
            eprintln!(
                "warning: the Delay reads the {} at execution time: the change applies to the {} call(s) already queued",
                what.to_lowercase(),
                s.pending()
            );
            if !expiration && secs < s.cooldown && s.pending() > 0 {
                eprintln!(
                    "warning: lowering the cooldown from {} to {} makes queued calls executable sooner; review `coffer delay queue` first",
                    human(s.cooldown),
                    human(secs)
                );
            }
        }
        let label = format!("Delay {} = {}", what.to_lowercase(), human(secs));
        propose_owner_tx(&self.tx, &s, label, |n| {
            if expiration {
                delay::set_expiration_tx(s.address, secs, n)
            } else {
                Ok(delay::set_cooldown_tx(s.address, secs, n))
            }
        })
        .await
    }
}

/// Arguments of `delay add-proposer` / `remove-proposer`.
#[derive(Debug, Args)]
pub(crate) struct ProposerArgs {
    /// The proposer.
    proposer: String,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl ProposerArgs {
    async fn run(self, add: bool) -> eyre::Result<()> {
        let p = parse::address("PROPOSER", &self.proposer)?;
        let provider = self.tx.rpc.provider()?;
        let (s, _) = self.target.read(&provider).await?;
        let label = format!("{} Delay proposer {p}", if add { "add" } else { "remove" });
        propose_owner_tx(&self.tx, &s, label, |n| {
            if add { delay::add_proposer_tx(&s, p, n) } else { delay::remove_proposer_tx(&s, p, n) }
        })
        .await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OpArg {
    Call,
    Delegatecall,
}

/// Arguments of `delay propose`.
#[derive(Debug, Args)]
pub(crate) struct ProposeArgs {
    #[command(flatten)]
    target: Target,
    /// The call's target.
    #[arg(long)]
    to: String,
    /// ETH sent, with a unit (default 0).
    #[arg(long, allow_hyphen_values = true)]
    value: Option<String>,
    /// The calldata in hex.
    #[arg(long, default_value = "0x", conflicts_with = "sig")]
    data: String,
    /// Build the calldata from a function signature and ARGS instead of --data, e.g.
    /// `--sig "swapOwner(address,address,address)" 0x…01 OLD NEW`.
    #[arg(long)]
    sig: Option<String>,
    /// The arguments of --sig, in order.
    #[arg(allow_negative_numbers = true, requires = "sig")]
    args: Vec<String>,
    /// call or delegatecall.
    #[arg(long, value_enum, default_value_t = OpArg::Call)]
    operation: OpArg,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The proposer's wallet (an account enabled on the Delay).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl ProposeArgs {
    async fn run(self) -> eyre::Result<()> {
        let to = parse::address("--to", &self.to)?;
        let value = match &self.value {
            Some(v) => parse::eth_value("--value", v)?,
            None => U256::ZERO,
        };
        let data: Bytes = match &self.sig {
            Some(sig) => parse::encode_call(sig, &self.args)?,
            None => parse::hex_data("--data", &self.data)?,
        };
        let op = match self.operation {
            OpArg::Call => Operation::Call,
            OpArg::Delegatecall => Operation::DelegateCall,
        };
        let provider = self.rpc.provider()?;
        let (s, safe) = self.target.read(&provider).await?;
        let (decoded, flags) = delay::flag_call(safe, s.address, to, value, &data, op.as_u8());
        if !self.json {
            if let Some(d) = &decoded {
                eprintln!("queuing: {}", d.to_string().trim_end());
            }
            for f in &flags {
                eprintln!("flag: {f}");
            }
            eprintln!(
                "it can run after the cooldown ({}), unless the owners veto it",
                human(s.cooldown)
            );
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let hash = delay::queue_hash(to, value, &data, op.as_u8());
        let index =
            with_spinner("queuing", delay::propose(&sending, s.address, from, to, value, data, op))
                .await?;
        if self.json {
            return print_json(&json!({
                "delay": s.address,
                "index": index,
                "hash": hash,
                "flags": flags.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }));
        }
        println!("{index}");
        Ok(())
    }
}

/// Arguments of `delay execute-next` / `skip-expired`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
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

impl SendArgs {
    async fn execute_next(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (s, safe) = self.target.read(&provider).await?;
        let now = latest_time(&provider).await?;
        if !self.json
            && let Some(head) = delay::read_queue(&provider, &s, safe, now).await?.first()
        {
            if let Some(d) = &head.decoded {
                eprintln!("head {}: {}", head.index, d.to_string().trim_end());
            }
            for f in &head.flags {
                eprintln!("flag: {f}");
            }
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let index = with_spinner(
            "executing the head of the queue",
            delay::execute_next(&sending, &s, safe, from, now),
        )
        .await?;
        if self.json {
            return print_json(&json!({ "delay": s.address, "executed": index }));
        }
        println!("{index}");
        Ok(())
    }

    async fn skip_expired(self) -> eyre::Result<()> {
        let provider = self.rpc.provider()?;
        let (s, _) = self.target.read(&provider).await?;
        if s.expiration == 0 {
            return Err(bad_input(format!(
                "the Delay {} has no expiration (0): nothing ever expires; the owners clear the queue with `coffer delay veto`",
                s.address
            )));
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let head = delay::skip_expired(&sending, s.address, from).await?;
        if self.json {
            return print_json(&json!({ "delay": s.address, "from": s.tx_nonce, "txNonce": head }));
        }
        eprintln!("skipped {} expired call(s)", head.saturating_sub(s.tx_nonce));
        println!("{head}");
        Ok(())
    }
}

/// Arguments of `delay watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    target: Target,
    /// Start from this block (default: the latest, so only new entries alert).
    #[arg(long)]
    from_block: Option<String>,
    /// Poll interval, e.g. 2s, 1m.
    #[arg(long, default_value = "2s")]
    interval: String,
    /// Check once (from --from-block) and exit instead of following.
    #[arg(long)]
    once: bool,
    /// Print each alert as a JSON line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl WatchArgs {
    async fn run(self) -> eyre::Result<()> {
        let interval = duration("--interval", &self.interval)?.max(1);
        let provider = self.rpc.provider()?;
        let (s, safe) = self.target.read(&provider).await?;
        let mut from = match &self.from_block {
            Some(b) => parse::count("--from-block", b)?,
            None => provider.get_block_number().await?.saturating_add(1),
        };
        if !self.json {
            eprintln!(
                "watching Delay {} (cooldown {}) from block {from}; Ctrl-C stops",
                s.address,
                human(s.cooldown)
            );
        }
        loop {
            let latest = provider.get_block_number().await?;
            if latest >= from {
                let st = delay::read_delay(&provider, s.address).await?;
                for ev in delay::queue_events(&provider, s.address, from).await? {
                    if ev.block.is_some_and(|b| b > latest) {
                        continue;
                    }
                    alert(&st, safe, &ev, self.json)?;
                }
                from = latest + 1;
            }
            if self.once {
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(interval)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }
}

fn alert(
    s: &DelayStatus,
    safe: Address,
    ev: &delay::QueueEvent,
    json_out: bool,
) -> eyre::Result<()> {
    let (decoded, flags) =
        delay::flag_call(safe, s.address, ev.to, ev.value, &ev.data, ev.operation);
    let hash_ok = delay::queue_hash(ev.to, ev.value, &ev.data, ev.operation) == ev.hash;
    let flags: Vec<String> = flags.iter().map(ToString::to_string).collect();
    if json_out {
        return print_json(&json!({
            "alert": "TransactionAdded",
            "delay": s.address,
            "index": ev.index,
            "block": ev.block,
            "to": ev.to,
            "value": ev.value.to_string(),
            "operation": ev.operation,
            "hashOk": hash_ok,
            "decoded": decoded.as_ref().map(ToString::to_string),
            "flags": flags,
        }));
    }
    let call =
        decoded.map_or_else(|| format!("to {} op {}", ev.to, ev.operation), |d| d.to_string());
    let first = call.lines().next().unwrap_or_default().to_owned();
    println!(
        "ALERT Delay {} queued #{} (block {}): {}{}{}; runs after {} unless vetoed (`coffer delay veto {} --delay {}`)",
        s.address,
        ev.index,
        ev.block.map_or("?".into(), |b| b.to_string()),
        first,
        if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) },
        if hash_ok { "" } else { " [EVENT DOES NOT MATCH ITS HASH]" },
        human(s.cooldown),
        ev.index,
        s.address
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(duration("x", "0").ok(), Some(0));
        assert_eq!(duration("x", "2d").ok(), Some(172_800));
        assert_eq!(duration("x", "90m").ok(), Some(5_400));
        assert!(duration("x", "2y").is_err());
        assert!(duration("x", "").is_err());
        assert_eq!(human(90_061), "1d1h1m1s");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}

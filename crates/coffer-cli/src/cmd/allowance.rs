//! `coffer allowance list | set | reset | delete | remove-delegate | transfer | hash | relay`: spending limits on
//! coffer's `CofferAllowanceModule` or a canonical AllowanceModule. The Safe-side changes are proposals through
//! the normal propose/sign/execute flow (and its signing gate); `transfer` is sent by the delegate alone, or
//! signed by it alone into `--out FILE` that anyone sends with `relay FILE` (re-checked against the chain). Logic lives in
//! `coffer_chain::allowance` and `coffer_core::allowance`; this file parses, calls and prints.

use std::path::{Path, PathBuf};

use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
};
use clap::{Args, Subcommand};
use coffer_chain::{
    allowance::{
        AllowanceModuleInfo, AllowanceSetting, SignedTransfer, check_signed_transfer,
        default_allowance_module, detect_allowance_module, module_call_tx, prepare_transfer,
        read_allowances, send_transfer, set_allowances_tx,
    },
    read_safe,
};
use coffer_contracts::bindings::IERC20;
use coffer_core::{
    SafeTx, delete_allowance_calldata, format_period, format_units, parse_period, parse_units,
    remove_delegate_calldata, reset_allowance_calldata,
};
use coffer_signer::WalletOpts;
use serde_json::{Value, json};

use crate::flow::{Prepared, print_proposal};
use crate::{
    exit::bad_input,
    opts::{RpcOpts, SafeTxArgs, sending_key},
    output::{Fields, Table, device_hex, print_json},
    parse,
};

/// Spending limits: a delegate pays within an allowance with its own signature alone.
#[derive(Debug, Subcommand)]
pub(crate) enum AllowanceCmd {
    /// List a Safe's delegates and allowances (amount, spent, remaining, period, resets, nonces).
    List(ListArgs),
    /// Propose the Safe tx that sets an allowance (enables the module and adds the delegate if needed).
    Set(SetArgs),
    /// Propose the Safe tx that sets an allowance's spent amount back to 0.
    Reset(PairArgs),
    /// Propose the Safe tx that deletes an allowance (its nonce is kept, so old signatures stay dead).
    Delete(PairArgs),
    /// Propose the Safe tx that removes a delegate (and, unless --keep-allowances, its allowances).
    RemoveDelegate(RemoveArgs),
    /// Pay from a Safe within your allowance, as the delegate (sent by your own wallet).
    Transfer(TransferArgs),
    /// Print a transfer's EIP-712 domain separator, struct hash and digest, checked on chain.
    Hash(TransferArgs),
    /// Send a transfer the delegate signed offline (`transfer --out FILE`), from any wallet, after checking it
    /// against the digest recomputed from the chain.
    Relay(RelayArgs),
}

impl AllowanceCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::List(a) => a.run().await,
            Self::Set(a) => a.run().await,
            Self::Reset(a) => a.run(PairOp::Reset).await,
            Self::Delete(a) => a.run(PairOp::Delete).await,
            Self::RemoveDelegate(a) => a.run().await,
            Self::Transfer(a) => a.run(false).await,
            Self::Hash(a) => a.run(true).await,
            Self::Relay(a) => a.run().await,
        }
    }
}

/// The Safe and the module.
#[derive(Debug, Args)]
struct Target {
    /// The Safe.
    #[arg(long)]
    safe: String,
    /// The AllowanceModule address (default: coffer's CofferAllowanceModule on this chain). Canonical
    /// deployments (0.1.0, 0.1.1, 1.0.0) are detected and labelled.
    #[arg(long)]
    module: Option<String>,
}

async fn module_info(
    provider: &DynProvider,
    module: &Option<String>,
) -> eyre::Result<AllowanceModuleInfo> {
    let address = match module {
        Some(m) => parse::address("--module", m)?,
        None => default_allowance_module(provider).await?,
    };
    Ok(detect_allowance_module(provider, address).await?)
}

/// "ETH" or an ERC-20 address.
fn parse_token(s: &str) -> eyre::Result<Address> {
    if s.eq_ignore_ascii_case("eth") {
        return Ok(Address::ZERO);
    }
    parse::address("--token", s)
}

/// (symbol, decimals) read on chain (ETH: 18).
async fn token_units(provider: &DynProvider, token: Address) -> eyre::Result<(String, u8)> {
    if token.is_zero() {
        return Ok(("ETH".into(), 18));
    }
    let erc20 = IERC20::new(token, provider);
    let decimals = erc20.decimals().call().await.map_err(|_| {
        bad_input(format!(
            "token {token} does not answer decimals(): coffer cannot read the amount's units; check the address"
        ))
    })?;
    let symbol = erc20.symbol().call().await.unwrap_or_else(|_| "?".into());
    Ok((symbol, decimals))
}

fn base_units(what: &str, s: &str, decimals: u8) -> eyre::Result<u128> {
    let v: U256 = parse_units(s, decimals).map_err(|e| bad_input(format!("{what}: {e}")))?;
    u128::try_from(v).map_err(|_| bad_input(format!("{what} {s} does not fit the module's uint96")))
}

fn utc(min: u64) -> String {
    let secs = min * 60;
    let (y, mo, d) = coffer_core::civil_date_utc(secs);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02} UTC", secs % 86_400 / 3_600, secs % 3_600 / 60)
}

/// Arguments of `allowance list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl ListArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.target.safe)?;
        let provider = self.rpc.provider()?;
        let module = module_info(&provider, &self.target.module).await?;
        let info = read_safe(&provider, safe).await?;
        let enabled = info.is_module(module.address);
        let rows = read_allowances(&provider, module.address, safe).await?;
        let mut out = Vec::new();
        let mut table = Table::new(&[
            "delegate",
            "token",
            "amount",
            "spent",
            "remaining",
            "period",
            "last reset",
            "next reset",
            "nonce",
            "nonces left",
        ]);
        for r in rows.iter().filter(|r| r.state.is_listed()) {
            let (symbol, decimals) = token_units(&provider, r.token).await?;
            let f = |v: u128| format_units(U256::from(v), decimals);
            let next = r.state.next_reset_min();
            table.row(vec![
                r.delegate.to_string(),
                format!("{symbol} {}", r.token),
                f(r.state.amount),
                f(r.state.spent),
                f(r.state.remaining()),
                format_period(r.state.reset_time_min),
                utc(u64::from(r.state.last_reset_min)),
                next.map(utc).unwrap_or_else(|| "never (one time)".into()),
                r.state.nonce.to_string(),
                r.state.nonces_left().to_string(),
            ]);
            out.push(json!({
                "delegate": r.delegate, "token": r.token, "symbol": symbol, "decimals": decimals,
                "amount": r.state.amount.to_string(), "spent": r.state.spent.to_string(),
                "remaining": r.state.remaining().to_string(), "resetTimeMin": r.state.reset_time_min,
                "lastResetMin": r.state.last_reset_min, "nextResetMin": next, "nonce": r.state.nonce,
                "noncesLeft": r.state.nonces_left(),
            }));
        }
        let warnings = module.warnings();
        if self.json {
            return print_json(&json!({
                "safe": safe, "module": module.address, "version": module.version.as_str(),
                "label": module.label(), "enabled": enabled, "warnings": warnings, "allowances": out,
            }));
        }
        let mut f = Fields::default();
        f.add("module", format!("{} ({})", module.address, module.label()));
        f.add(
            "enabled on the Safe",
            if enabled { "yes" } else { "no: transfers fail until it is" },
        );
        for w in &warnings {
            f.add("warning", w);
        }
        f.print();
        if out.is_empty() {
            println!("no allowances");
        } else {
            table.print();
        }
        Ok(())
    }
}

/// Arguments of `allowance set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    #[command(flatten)]
    target: Target,
    /// The delegate who may spend.
    #[arg(long)]
    delegate: String,
    /// The token: `ETH` or an ERC-20 address.
    #[arg(long)]
    token: String,
    /// The amount per period, in the token's units (`2500.5`).
    #[arg(long)]
    amount: String,
    /// The period: `once`, `1d`, `1w`, `30d`, `<n>h`, or minutes (at most 65535).
    #[arg(long, default_value = "once")]
    period: String,
    /// Align periods to this minute timestamp (Unix minutes, not in the future).
    #[arg(long)]
    anchor: Option<u32>,
    /// Reset the spent amount even when it is 0.
    #[arg(long)]
    reset_spent: bool,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl SetArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.target.safe)?;
        let delegate = parse::address("--delegate", &self.delegate)?;
        let token = parse_token(&self.token)?;
        let period = parse_period(&self.period).map_err(|e| bad_input(e.to_string()))?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let module = module_info(&provider, &self.target.module).await?;
        let (symbol, decimals) = token_units(&provider, token).await?;
        let amount = base_units("--amount", &self.amount, decimals)?;
        coffer_core::check_uint96("--amount", amount).map_err(|e| bad_input(e.to_string()))?;
        let suite = self.tx.suite.addresses(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let setting = AllowanceSetting {
            delegate,
            token,
            amount,
            reset_time_min: period,
            reset_base_min: self.anchor.unwrap_or(0),
            reset_spent: self.reset_spent,
        };
        let tx = set_allowances_tx(
            &provider,
            &info,
            module.address,
            suite.multi_send_call_only,
            &[setting],
            nonce,
        )
        .await?;
        let label = format!(
            "spending limit: {delegate} may spend {} {symbol} {}",
            format_units(U256::from(amount), decimals),
            if period == 0 {
                "once".to_owned()
            } else {
                format!("every {}", format_period(period))
            }
        );
        propose(&provider, &self.tx, &prepared, &info, &tx, label, "allowance set", module).await
    }
}

/// Proposes a Safe tx on the AllowanceModule through the shared flow ([`SafeTxArgs::submit`]).
#[allow(clippy::too_many_arguments)]
async fn propose(
    provider: &DynProvider,
    args: &SafeTxArgs,
    prepared: &Prepared,
    info: &coffer_chain::SafeInfo,
    tx: &SafeTx,
    label: String,
    origin: &str,
    module: AllowanceModuleInfo,
) -> eyre::Result<()> {
    let json_out = args.json;
    if !json_out {
        eprintln!("{label}");
        eprintln!("module: {} ({})", module.address, module.label());
        for w in module.warnings() {
            eprintln!("warning: {w}");
        }
    }
    let (hash, mut v) =
        args.submit(provider, prepared, info, tx, Some(label), Some(origin)).await?;
    v["allowanceModule"] = json!({
        "address": module.address, "version": module.version.as_str(), "label": module.label(),
    });
    print_proposal(hash, &v, json_out)
}

enum PairOp {
    Reset,
    Delete,
}

/// Arguments of `allowance reset` and `allowance delete`.
#[derive(Debug, Args)]
pub(crate) struct PairArgs {
    #[command(flatten)]
    target: Target,
    /// The delegate.
    #[arg(long)]
    delegate: String,
    /// The token: `ETH` or an ERC-20 address.
    #[arg(long)]
    token: String,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl PairArgs {
    async fn run(self, op: PairOp) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.target.safe)?;
        let delegate = parse::address("--delegate", &self.delegate)?;
        let token = parse_token(&self.token)?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let module = module_info(&provider, &self.target.module).await?;
        let info = read_safe(&provider, safe).await?;
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let (data, label, origin) = match op {
            PairOp::Reset => (
                reset_allowance_calldata(delegate, token),
                format!("spending limit: reset what {delegate} spent of {token}"),
                "allowance reset",
            ),
            PairOp::Delete => (
                delete_allowance_calldata(delegate, token),
                format!("spending limit: delete {delegate}'s allowance of {token}"),
                "allowance delete",
            ),
        };
        let tx = module_call_tx(module.address, data, nonce);
        propose(&provider, &self.tx, &prepared, &info, &tx, label, origin, module).await
    }
}

/// Arguments of `allowance remove-delegate`.
#[derive(Debug, Args)]
pub(crate) struct RemoveArgs {
    #[command(flatten)]
    target: Target,
    /// The delegate.
    #[arg(long)]
    delegate: String,
    /// Keep the delegate's allowances in storage (they come back if the delegate is added again).
    #[arg(long)]
    keep_allowances: bool,
    #[command(flatten)]
    tx: SafeTxArgs,
}

impl RemoveArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.target.safe)?;
        let delegate = parse::address("--delegate", &self.delegate)?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let module = module_info(&provider, &self.target.module).await?;
        let info = read_safe(&provider, safe).await?;
        let prepared = self.tx.prepare(&info, true).await?;
        let nonce = prepared.nonce;
        let tx = module_call_tx(
            module.address,
            remove_delegate_calldata(delegate, !self.keep_allowances),
            nonce,
        );
        let label = if self.keep_allowances {
            format!(
                "spending limit: remove delegate {delegate} (allowances kept: they return if re-added)"
            )
        } else {
            format!("spending limit: remove delegate {delegate} and delete its allowances")
        };
        propose(
            &provider,
            &self.tx,
            &prepared,
            &info,
            &tx,
            label,
            "allowance remove-delegate",
            module,
        )
        .await
    }
}

/// The wallet of `allowance transfer`: a key that sends, or any signer that signs into `--out`.
enum Sender {
    Key(coffer_signer::TxSender),
    Offline(coffer_signer::WalletSigner),
}

/// Writes `text` to `path` atomically, refusing to replace an existing file (hard link of a temporary file).
fn write_new(path: &Path, text: &str) -> eyre::Result<()> {
    let tmp = path.with_extension("tmp-coffer");
    std::fs::write(&tmp, text)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            bad_input(format!("{} exists: choose another --out file", path.display()))
        } else {
            eyre::eyre!("cannot write {}: {e}", path.display())
        }
    })
}

/// Arguments of `allowance relay`.
#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The signed transfer written by `allowance transfer --out`.
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The relayer's wallet, which sends (and pays gas for) the transfer.
    #[command(flatten)]
    wallet: WalletOpts,
}

impl RelayArgs {
    async fn run(self) -> eyre::Result<()> {
        let text = std::fs::read_to_string(&self.file).map_err(|e| {
            bad_input(format!(
                "cannot read {}: {e}; pass the file written by allowance transfer --out",
                self.file.display()
            ))
        })?;
        let signed: SignedTransfer = serde_json::from_str(&text).map_err(|e| {
            bad_input(format!("{} is not a signed transfer ({e}); pass the file written by allowance transfer --out", self.file.display()))
        })?;
        let invalid = |e: coffer_chain::Error| match e {
            coffer_chain::Error::InvalidChange(m) => bad_input(m),
            other => other.into(),
        };
        let (amount, payment) = signed.amounts().map_err(invalid)?;
        let provider = self.rpc.provider()?;
        let module = detect_allowance_module(&provider, signed.module).await?;
        let pay = (payment > 0).then_some((signed.payment_token, payment));
        let prepared = prepare_transfer(
            &provider,
            module,
            signed.safe,
            signed.delegate,
            signed.token,
            signed.to,
            amount,
            pay,
        )
        .await
        .map_err(invalid)?;
        check_signed_transfer(&prepared, &signed).map_err(invalid)?;
        let (symbol, decimals) = token_units(&provider, signed.token).await?;
        if !self.json {
            let mut f = Fields::default();
            f.add("module", format!("{} ({})", module.address, module.label()));
            f.add(
                "pay",
                format!("{} {symbol} to {}", format_units(U256::from(amount), decimals), signed.to),
            );
            f.add("from Safe", signed.safe);
            f.add("delegate", format!("{} (signature checked)", signed.delegate));
            if payment > 0 {
                let (psym, pdec) = token_units(&provider, signed.payment_token).await?;
                f.add(
                    "relayer refund",
                    format!("{} {psym} to this wallet", format_units(U256::from(payment), pdec)),
                );
            }
            f.add(
                "left before",
                format!(
                    "{} of {} {symbol}",
                    format_units(U256::from(prepared.allowance.remaining()), decimals),
                    format_units(U256::from(prepared.allowance.amount), decimals)
                ),
            );
            f.add(
                "digest",
                format!("{} (recomputed from the chain)", device_hex(&prepared.digest)),
            );
            eprint!("{}", f.render());
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let relayer = key.address();
        let sending = self.rpc.signing_provider(key)?;
        let receipt = send_transfer(&sending, &prepared, &signed.signature, relayer).await?;
        if self.json {
            return print_json(&json!({
                "safe": signed.safe, "delegate": signed.delegate, "token": signed.token, "to": signed.to,
                "amount": amount.to_string(), "nonce": signed.nonce, "digest": prepared.digest,
                "relayer": relayer, "paymentToken": signed.payment_token, "payment": payment.to_string(),
                "transaction": receipt.transaction_hash,
            }));
        }
        println!("{}", receipt.transaction_hash);
        Ok(())
    }
}

/// Arguments of `allowance transfer` and `allowance hash`.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    #[command(flatten)]
    target: Target,
    /// The token: `ETH` or an ERC-20 address.
    #[arg(long)]
    token: String,
    /// The recipient.
    #[arg(long)]
    to: String,
    /// The amount, in the token's units.
    #[arg(long)]
    amount: String,
    /// A refund to whoever sends the transfer (the relayer, paid to the transaction's origin), in the payment
    /// token's units; it counts against the delegate's allowance of that token.
    #[arg(long, value_name = "AMOUNT")]
    payment: Option<String>,
    /// The token of `--payment`: `ETH` or an ERC-20 address (default: `--token`).
    #[arg(long, value_name = "TOKEN", requires = "payment")]
    payment_token: Option<String>,
    /// The delegate (`hash` only; `transfer` uses the wallet's address).
    #[arg(long)]
    delegate: Option<String>,
    /// Sign only, and write the signed transfer to FILE (never overwritten) for anyone to send with
    /// `allowance relay FILE` (`transfer` only).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    /// The delegate's wallet, which sends the transfer (`transfer` only).
    #[command(flatten)]
    wallet: WalletOpts,
}

impl TransferArgs {
    async fn run(self, hash_only: bool) -> eyre::Result<()> {
        let safe = parse::address("--safe", &self.target.safe)?;
        let token = parse_token(&self.token)?;
        let to = parse::address("--to", &self.to)?;
        let provider = self.rpc.provider()?;
        let module = module_info(&provider, &self.target.module).await?;
        let (symbol, decimals) = token_units(&provider, token).await?;
        let amount = base_units("--amount", &self.amount, decimals)?;
        if hash_only && self.out.is_some() {
            return Err(bad_input(
                "allowance hash does not sign: use allowance transfer --out FILE",
            ));
        }
        let (delegate, sender) = match (&self.delegate, hash_only) {
            (Some(d), true) => (parse::address("--delegate", d)?, None),
            (None, true) => return Err(bad_input("allowance hash needs --delegate")),
            (_, false) if self.out.is_some() => {
                let signer = self.wallet.signer().await?;
                (signer.address(), Some(Sender::Offline(signer)))
            }
            (_, false) => {
                let signer = self.wallet.signer().await?;
                let key = sending_key(&signer)?;
                (key.address(), Some(Sender::Key(key)))
            }
        };
        if let Some(out) = &self.out
            && out.exists()
        {
            return Err(bad_input(format!(
                "{} exists: choose another --out file (signed transfers are never overwritten)",
                out.display()
            )));
        }
        let payment = match &self.payment {
            None => None,
            Some(p) => {
                let ptoken = match &self.payment_token {
                    Some(t) => parse_token(t)?,
                    None => token,
                };
                let (psym, pdec) = token_units(&provider, ptoken).await?;
                let units = base_units("--payment", p, pdec)?;
                Some((ptoken, units, format!("{} {psym}", format_units(U256::from(units), pdec))))
            }
        };
        let pay = payment.as_ref().map(|(t, u, _)| (*t, *u)).filter(|(_, u)| *u > 0);
        let prepared = prepare_transfer(&provider, module, safe, delegate, token, to, amount, pay)
            .await
            .map_err(|e| match e {
                coffer_chain::Error::InvalidChange(m) => bad_input(m),
                other => other.into(),
            })?;
        let t = &prepared.transfer;
        let domain = coffer_core::allowance_domain_separator(prepared.chain_id, module.address);
        let struct_hash = t.struct_hash(module.version);
        let typed = t.typed_data_json(module.version, prepared.chain_id, module.address).ok();
        let v = json!({
            "module": module.address, "version": module.version.as_str(), "label": module.label(),
            "chainId": prepared.chain_id, "safe": safe, "delegate": delegate, "token": token,
            "symbol": symbol, "to": to, "amount": amount.to_string(), "nonce": t.nonce,
            "domainSeparator": domain, "structHash": struct_hash, "digest": prepared.digest,
            "checkedOnChain": true, "typedData": typed.clone().unwrap_or(Value::Null),
            "remainingBefore": prepared.allowance.remaining().to_string(),
            "paymentToken": t.payment_token, "payment": t.payment.to_string(),
        });
        if !self.json {
            let mut f = Fields::default();
            f.add("module", format!("{} ({})", module.address, module.label()));
            f.add(
                "pay",
                format!("{} {symbol} to {to}", format_units(U256::from(amount), decimals)),
            );
            f.add("from Safe", safe);
            if let Some((_, _, shown)) = &payment {
                f.add("relayer refund", format!("{shown} to whoever sends the transfer"));
            }
            f.add("delegate", delegate);
            f.add(
                "left before",
                format!(
                    "{} of {} {symbol}",
                    format_units(U256::from(prepared.allowance.remaining()), decimals),
                    format_units(U256::from(prepared.allowance.amount), decimals)
                ),
            );
            f.add("nonce", t.nonce);
            f.add("domain separator", device_hex(&domain));
            f.add("struct hash", device_hex(&struct_hash));
            f.add(
                "digest",
                format!("{} (= the module's generateTransferHash)", device_hex(&prepared.digest)),
            );
            if typed.is_none() {
                f.add(
                    "typed data",
                    "not valid for this module version (0.1.0): sign the digest as a hash",
                );
            }
            for w in module.warnings() {
                f.add("warning", w);
            }
            eprint!("{}", f.render());
        }
        if hash_only {
            return if self.json {
                print_json(&v)
            } else {
                println!("{}", prepared.digest);
                Ok(())
            };
        }
        let key = match sender {
            Some(Sender::Key(key)) => key,
            Some(Sender::Offline(signer)) => {
                let out = self.out.as_deref().unwrap_or(Path::new("transfer.json"));
                let Some(typed) = typed else {
                    return Err(bad_input(
                        "AllowanceModule 0.1.0 has no valid EIP-712 typed data for a device to sign; send the transfer with the delegate's own wallet (without --out)",
                    ));
                };
                let sig =
                    signer.sign_typed_digest(&typed, domain, struct_hash, prepared.digest).await?;
                if !self.json && !sig.device_method.is_empty() {
                    eprintln!("signed on the device: {}", sig.device_method);
                }
                let signed = SignedTransfer::new(&prepared, &sig.bytes);
                write_new(out, &serde_json::to_string_pretty(&signed)?)?;
                let mut v = v;
                v["file"] = json!(out);
                v["signature"] = json!(signed.signature);
                return if self.json {
                    print_json(&v)
                } else {
                    println!("{}", out.display());
                    Ok(())
                };
            }
            None => return Err(bad_input("no wallet to send with")),
        };
        let sending = self.rpc.signing_provider(key)?;
        let receipt = send_transfer(&sending, &prepared, &[], delegate).await?;
        let mut v = v;
        v["transaction"] = json!(receipt.transaction_hash);
        if self.json {
            print_json(&v)
        } else {
            println!("{}", receipt.transaction_hash);
            Ok(())
        }
    }
}

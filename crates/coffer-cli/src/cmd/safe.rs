//! `coffer safe create | info`.

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand};
use coffer_chain::{
    SafeConfig, SafeInfo, SingletonChoice, create_safe_logged, plan_safe, read_safe,
};
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::{
    crash,
    opts::{RpcOpts, StoreOpts, SuiteOpts, sending_key},
    output::{Fields, print_json, with_spinner},
    parse,
};

/// `coffer safe …`
#[derive(Debug, Subcommand)]
pub(crate) enum SafeCmd {
    /// Create a Safe (or only predict its address with --predict).
    Create(Box<CreateArgs>),
    /// Show a Safe: version, singleton, owners, threshold, nonce, modules, guard, handler, balance.
    Info(InfoArgs),
    /// Write the Safe's recovery sheet (PDF with a QR code, Markdown or JSON): creation, owners,
    /// modules, guard, handler, and the steps to operate it and re-create it on another chain.
    Sheet(Box<super::sheet::SheetArgs>),
    /// Re-create the Safe at the same address on another chain from its sheet's JSON alone.
    Rebuild(Box<super::sheet::RebuildArgs>),
}

/// Arguments of `coffer safe create`.
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub(crate) struct CreateArgs {
    /// An owner (repeat for each owner, in the order the Safe stores them).
    #[arg(long = "owner", value_name = "ADDRESS", required = true)]
    owners: Vec<String>,
    /// How many owners must sign a transaction.
    #[arg(long)]
    threshold: String,
    /// The salt nonce: another value gives another address for the same owners.
    #[arg(long, default_value = "0")]
    salt_nonce: String,
    /// Only print the address the Safe would get; send nothing (needs no wallet).
    #[arg(long)]
    predict: bool,
    /// Use the L1 `Safe` singleton instead of `SafeL2` (the default everywhere but mainnet).
    #[arg(long)]
    l1_singleton: bool,
    /// Create a canonical Safe of this release (1.3.0, 1.4.1 or 1.5.0) through that release's
    /// own factory, singleton and fallback handler: the same as `--suite canonical-RELEASE`.
    #[arg(long = "version", value_name = "RELEASE", conflicts_with = "suite")]
    release: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

/// Arguments of `coffer safe info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// The Safe's address.
    safe: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl SafeCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Create(args) => args.run().await,
            Self::Info(args) => args.run().await,
            Self::Sheet(args) => args.run().await,
            Self::Rebuild(args) => args.run().await,
        }
    }
}

impl CreateArgs {
    /// `--version RELEASE` as a suite, checked (no RPC).
    fn release_choice(&self) -> eyre::Result<Option<coffer_chain::SuiteChoice>> {
        let Some(release) = &self.release else { return Ok(None) };
        coffer_chain::SuiteChoice::parse(&format!("canonical-{release}")).map(Some).ok_or_else(
            || {
                crate::exit::bad_input(format!(
                    "--version {release:?} is not a canonical Safe release coffer can create: use 1.3.0, 1.4.1 or 1.5.0"
                ))
            },
        )
    }

    /// `--version RELEASE`'s canonical suite, else `--suite`'s (coffer's by default).
    async fn suite_addresses(
        &self,
        provider: &alloy::providers::DynProvider,
    ) -> eyre::Result<coffer_chain::SuiteAddresses> {
        match self.release_choice()? {
            Some(choice) => Ok(choice.addresses(provider).await?),
            None => self.suite.addresses(provider).await,
        }
    }

    async fn run(self) -> eyre::Result<()> {
        let owners = self
            .owners
            .iter()
            .enumerate()
            .map(|(i, o)| parse::address(&format!("--owner #{}", i + 1), o))
            .collect::<eyre::Result<Vec<Address>>>()?;
        let threshold = parse::count("--threshold", &self.threshold)?;
        let salt_nonce: U256 = parse::uint("--salt-nonce", &self.salt_nonce)?;
        let singleton =
            if self.l1_singleton { SingletonChoice::Safe } else { SingletonChoice::Default };
        let config = SafeConfig::new(owners, threshold)
            .with_salt_nonce(salt_nonce)
            .with_singleton(singleton);
        config.validate()?;
        self.release_choice()?;
        self.suite.choice()?;

        if self.predict {
            let provider = self.rpc.provider()?;
            self.rpc.chain_id(&provider).await?;
            let suite = self.suite_addresses(&provider).await?;
            let plan = plan_safe(&provider, &suite, &config).await?;
            let exists =
                !alloy::providers::Provider::get_code_at(&provider, plan.address).await?.is_empty();
            if self.json {
                print_json(&json!({
                    "address": plan.address,
                    "chainId": plan.chain_id,
                    "owners": config.owners,
                    "threshold": threshold,
                    "saltNonce": salt_nonce.to_string(),
                    "singleton": plan.singleton,
                    "fallbackHandler": plan.fallback_handler,
                    "factory": plan.factory,
                    "deployed": exists,
                }))?;
            } else {
                println!("{}", plan.address);
                eprintln!(
                    "predicted for chain {} ({}); nothing was sent",
                    plan.chain_id,
                    if exists { "a Safe already exists there" } else { "not deployed yet" }
                );
            }
            return Ok(());
        }

        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        // Journaled: a rerun finds the creation an earlier run sent (by its hash) instead of sending another.
        let (provider, log) = crash::logged_provider(&self.rpc, &self.store, key).await?;
        let suite = self.suite_addresses(&provider).await?;
        let created = with_spinner(
            "creating the Safe, waiting for the receipt",
            create_safe_logged(&provider, &log, from, &suite, &config),
        )
        .await?;
        if created.found.is_some() {
            eprintln!(
                "found the creation an earlier run sent, by its hash: {} (nothing new was sent)",
                created.tx_hash
            );
        }
        if self.json {
            print_json(&json!({
                "address": created.plan.address,
                "chainId": created.plan.chain_id,
                "owners": created.info.owners,
                "threshold": created.info.threshold,
                "saltNonce": salt_nonce.to_string(),
                "singleton": created.plan.singleton,
                "fallbackHandler": created.plan.fallback_handler,
                "factory": created.plan.factory,
                "txHash": created.tx_hash,
                "gasUsed": created.gas_used,
                "foundEarlier": created.found.is_some(),
                "factoryEvent": created.l2_event,
            }))?;
        } else {
            println!("{}", created.plan.address);
            eprintln!(
                "created a {}-of-{} Safe on chain {} in transaction {} ({} gas); owners, threshold, singleton and handler verified",
                created.info.threshold,
                created.info.owners.len(),
                created.plan.chain_id,
                created.tx_hash,
                created.gas_used
            );
            if let Some(event) = created.l2_event {
                eprintln!(
                    "created through the factory's L2 function; its {event} event for this Safe checked"
                );
            }
        }
        Ok(())
    }
}

/// The JSON shape of a Safe, shared by `safe info` and `tx show`.
pub(crate) fn info_json(info: &SafeInfo) -> serde_json::Value {
    json!({
        "address": info.address,
        "chainId": info.chain_id,
        "version": info.version_string,
        "singleton": info.singleton,
        "singletonKind": info.singleton_kind.to_string(),
        "owners": info.owners,
        "threshold": info.threshold,
        "nonce": info.nonce.to_string(),
        "modules": info.modules,
        "guard": info.guard,
        "fallbackHandler": info.fallback_handler,
        "balance": info.balance.to_string(),
    })
}

fn none_if_zero(a: Address) -> String {
    if a == Address::ZERO { "none".to_owned() } else { a.to_string() }
}

impl InfoArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        let limits = coffer_chain::allowance::enabled_spending_limits(&provider, &info).await?;
        if self.json {
            let mut v = info_json(&info);
            v["spendingLimits"] = spending_limits_json(&limits);
            v["delays"] = crate::view::modules::delay_json(&provider, &info).await;
            v["recoveries"] = crate::view::modules::recovery_json(&provider, &info).await;
            v["allowlistGuard"] = crate::view::modules::allowlist_json(&provider, &info).await;
            return print_json(&v);
        }
        let mut f = Fields::default();
        f.add("address", info.address)
            .add("chain", info.chain_id)
            .add("version", &info.version_string)
            .add("singleton", format!("{} ({})", info.singleton, info.singleton_kind))
            .add("threshold", format!("{} of {}", info.threshold, info.owners.len()))
            .add(
                "owners",
                info.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            )
            .add("nonce", info.nonce)
            .add(
                "modules",
                if info.modules.is_empty() {
                    "none".to_owned()
                } else {
                    info.modules.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
                },
            )
            .add("guard", none_if_zero(info.guard))
            .add("fallback handler", none_if_zero(info.fallback_handler))
            .add("balance", format!("{} ETH", coffer_core::format_units(info.balance, 18)));
        add_spending_limits(&mut f, &info, &limits);
        for (key, line) in crate::view::modules::delay_lines(&provider, &info).await {
            f.add(&key, line);
        }
        for (key, line) in crate::view::modules::recovery_lines(&provider, &info).await {
            f.add(&key, line);
        }
        for (key, line) in crate::view::modules::allowlist_lines(&provider, &info).await {
            f.add(&key, line);
        }
        f.print();
        Ok(())
    }
}

type Limits =
    [(coffer_chain::allowance::AllowanceModuleInfo, Vec<coffer_chain::allowance::AllowanceRow>)];

/// `safe info --json`'s `spendingLimits`: one entry per enabled AllowanceModule.
fn spending_limits_json(limits: &Limits) -> serde_json::Value {
    limits
        .iter()
        .map(|(m, rows)| {
            json!({
                "module": m.address, "version": m.version.as_str(), "label": m.label(),
                "allowances": rows.iter().map(|r| json!({
                    "delegate": r.delegate, "token": r.token, "amount": r.state.amount.to_string(),
                    "spent": r.state.spent.to_string(), "resetTimeMin": r.state.reset_time_min,
                    "nonce": r.state.nonce,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The spending-limit lines of `safe info` (base units; `coffer allowance list` shows token units).
fn add_spending_limits(f: &mut Fields, info: &SafeInfo, limits: &Limits) {
    for (m, rows) in limits {
        let mut lines = vec![format!("{} ({})", m.address, m.label())];
        for r in rows {
            lines.push(format!(
                "{} may spend {} of {} per {} (spent {})",
                r.delegate,
                r.state.amount,
                if r.token.is_zero() { "ETH".to_owned() } else { r.token.to_string() },
                coffer_core::format_period(r.state.reset_time_min),
                r.state.spent
            ));
        }
        f.add("spending limits", lines.join("\n"));
    }
    if info.guard != Address::ZERO && !info.modules.is_empty() {
        f.add(
            "guard bypass",
            "enabled modules execute without the transaction guard on Safe 1.3.0/1.4.1",
        );
    }
}

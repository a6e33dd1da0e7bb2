//! `coffer contracts build | addresses | deploy`.

use crate::{
    crash,
    opts::{RpcOpts, StoreOpts, sending_key},
};
use alloy::providers::Provider;
use clap::{Args, Subcommand};
use coffer_chain::deploy::{self, DeployStatus};
use coffer_signer::WalletOpts;
use eyre::WrapErr;
use std::path::PathBuf;

/// `coffer contracts …`
#[derive(Debug, Subcommand)]
pub(crate) enum ContractsCmd {
    /// Recompile contracts/ with the pinned solc and rewrite the committed artifacts.
    Build(BuildArgs),
    /// Print the deterministic address of every contract of the suite.
    Addresses(AddressesArgs),
    /// Deploy the suite with CREATE2 (idempotent: present contracts are skipped).
    Deploy(DeployArgs),
}

/// Arguments of `coffer contracts build`.
#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The repository root (holding contracts/ and crates/).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The solc executable (default: <root>/.tools/bin/solc, installed by script/bootstrap).
    #[arg(long, env = "COFFER_SOLC")]
    solc: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `coffer contracts addresses`.
#[derive(Debug, Args)]
pub(crate) struct AddressesArgs {
    /// Use Arachnid's deployer (anvil) instead of the Safe Singleton Factory.
    #[arg(long)]
    arachnid: bool,
    /// Include the test helpers (contracts/src/test).
    #[arg(long)]
    include_test: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `coffer contracts deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    /// Also deploy the test helpers (contracts/src/test), e.g. the test ERC-20.
    #[arg(long)]
    include_test: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl ContractsCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Build(args) => {
                let solc = args.solc.unwrap_or_else(|| args.root.join(".tools/bin/solc"));
                let artifacts =
                    coffer_contracts::build::compile(&args.root.join("contracts"), &solc)?;
                let out = args.root.join("crates/coffer-contracts/artifacts");
                coffer_contracts::build::write_artifacts(&out, &artifacts)?;
                if args.json {
                    crate::output::print_json(&serde_json::json!({
                        "artifacts": artifacts.len(),
                        "dir": out,
                    }))?;
                } else {
                    println!("{}", out.display());
                    eprintln!("wrote {} artifacts to {}", artifacts.len(), out.display());
                }
                Ok(())
            }
            Self::Addresses(args) => {
                let deployer = if args.arachnid {
                    deploy::ARACHNID_DEPLOYER
                } else {
                    deploy::SAFE_SINGLETON_FACTORY
                };
                let rows: Vec<_> = selected(args.include_test)
                    .map(|a| {
                        (
                            a.contract_name.as_str(),
                            deploy::create2_address(deployer, deploy::SUITE_SALT, &a.bytecode),
                        )
                    })
                    .collect();
                if args.json {
                    let map: serde_json::Map<_, _> =
                        rows.iter().map(|(n, a)| (n.to_string(), serde_json::json!(a))).collect();
                    println!("{}", serde_json::to_string_pretty(&map)?);
                } else {
                    let w = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
                    for (name, addr) in rows {
                        println!("{name:<w$}  {addr}");
                    }
                }
                Ok(())
            }
            Self::Deploy(args) => {
                let signer = args.wallet.signer().await?;
                let key = sending_key(&signer)?;
                let from = key.address();
                let chain_id = args.rpc.provider()?.get_chain_id().await.wrap_err_with(|| {
                    format!("cannot reach the RPC node at {}", args.rpc.rpc_url)
                })?;
                // Journaled: a rerun finds a deployment an earlier run sent (by its hash) instead of
                // sending it again.
                let (provider, log) = crash::logged_provider(&args.rpc, &args.store, key).await?;
                // coffer's suite is compiled for Cancun: refuse on a chain without PUSH0.
                coffer_chain::require_push0(&provider, "deploying coffer's suite").await?;
                let deployer = deploy::find_deployer(&provider).await?;
                let list: Vec<_> = selected(args.include_test).collect();
                eprintln!(
                    "deploying {} contracts on chain {chain_id} through {deployer}",
                    list.len()
                );
                let mut done = crate::output::with_spinner(
                    "deploying, waiting for receipts",
                    deploy::deploy_artifacts_logged(
                        &provider,
                        &log,
                        from,
                        deployer,
                        deploy::SUITE_SALT,
                        &list,
                    ),
                )
                .await?;
                // PayoutPlanModule takes the suite's MultiSendCallOnly as a constructor argument, so
                // it is not in `selected`; deploying it here lets a first `payout plan` enable and
                // approve in one Safe tx.
                if let Some(msco) = done.iter().find(|d| d.name == "MultiSendCallOnly") {
                    let msco = msco.address;
                    let module = crate::output::with_spinner(
                        "deploying PayoutPlanModule",
                        coffer_chain::plan::deploy_payout_plan_module_logged(
                            &provider, &log, from, msco,
                        ),
                    )
                    .await?;
                    done.push(module);
                }
                if args.json {
                    let map: serde_json::Map<_, _> = done
                        .iter()
                        .map(|d| {
                            let status = match d.status {
                                DeployStatus::Deployed | DeployStatus::DeployedEarlier => {
                                    "deployed"
                                }
                                DeployStatus::AlreadyPresent => "present",
                            };
                            (
                                d.name.clone(),
                                serde_json::json!({ "address": d.address, "status": status }),
                            )
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&map)?);
                } else {
                    let w = done.iter().map(|d| d.name.len()).max().unwrap_or(0);
                    for d in &done {
                        let status = match d.status {
                            DeployStatus::Deployed => "deployed",
                            DeployStatus::DeployedEarlier => {
                                "deployed (by the transaction an earlier run sent, found by its hash)"
                            }
                            DeployStatus::AlreadyPresent => "already present",
                        };
                        println!("{:<w$}  {}  {status}", d.name, d.address);
                    }
                }
                Ok(())
            }
        }
    }
}

/// The contracts `addresses` and `deploy` cover: every deployable artifact whose constructor
/// takes no arguments (a CREATE2 address only means something for those; `SafeProxy` is made by
/// the factory, and contracts with constructor arguments are deployed by their own flows), and
/// the test helpers only when asked.
fn selected(include_test: bool) -> impl Iterator<Item = &'static coffer_contracts::Artifact> {
    coffer_contracts::artifacts().iter().filter(move |a| {
        let no_args = a.abi.constructor.as_ref().is_none_or(|c| c.inputs.is_empty());
        a.is_deployable() && no_args && (include_test || !a.is_test_helper())
    })
}

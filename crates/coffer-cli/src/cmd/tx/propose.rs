//! `coffer tx propose SAFE <action>`: build a Safe transaction, cross-check its hash with the
//! Safe's `getTransactionHash`, store it, and print its hashes.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::DynProvider,
};
use clap::{Args, Subcommand, ValueEnum};
use coffer_chain::{SafeInfo, read_safe};
use coffer_core::{SafeTx, erc20_transfer_calldata, parse_units};

use crate::{
    exit::bad_input,
    flow::{Publish, print_proposal},
    opts::SafeTxArgs,
    parse,
};

/// Arguments of `coffer tx propose`.
#[derive(Debug, Args)]
pub(crate) struct ProposeArgs {
    /// The Safe's address.
    safe: String,
    /// The node, store, suite, policy, nonce, label, JSON and (with --tx-service) the proposing
    /// owner's wallet. Give wallet options before the action, e.g. `tx propose SAFE --private-key
    /// K eth …`.
    #[command(flatten)]
    tx: SafeTxArgs,
    #[command(subcommand)]
    action: Action,
}

/// What the transaction does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Send ETH: `eth --to X --value 1.5ether`.
    Eth {
        /// The receiver.
        #[arg(long)]
        to: String,
        /// The amount with a unit: 1.5ether, 20gwei, 1000wei.
        #[arg(long, allow_hyphen_values = true)]
        value: String,
    },
    /// Send an ERC-20 token: `erc20 --token T --to X --amount 100.25` (decimals read on chain).
    Erc20 {
        /// The token contract.
        #[arg(long)]
        token: String,
        /// The receiver.
        #[arg(long)]
        to: String,
        /// The amount in token units (e.g. 100.25), converted with the token's decimals().
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
    },
    /// Call a contract: `call --to X --sig "f(uint256,address)" ARGS…`.
    Call {
        /// The contract.
        #[arg(long)]
        to: String,
        /// The function signature, e.g. "transfer(address,uint256)".
        #[arg(long)]
        sig: String,
        /// ETH sent with the call, with a unit (default 0).
        #[arg(long, allow_hyphen_values = true)]
        value: Option<String>,
        /// The arguments, in order.
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
    },
    /// Raw calldata: `raw --to X --data 0x… [--operation delegatecall --allow-delegatecall]`.
    Raw {
        /// The target.
        #[arg(long)]
        to: String,
        /// The calldata in hex.
        #[arg(long, default_value = "0x")]
        data: String,
        /// ETH sent with the call, with a unit (default 0).
        #[arg(long, allow_hyphen_values = true)]
        value: Option<String>,
        /// call or delegatecall (delegatecall needs --allow-delegatecall).
        #[arg(long, value_enum, default_value_t = OpArg::Call)]
        operation: OpArg,
    },
    /// Sign a Safe message on chain: a delegatecall of the suite's SignMessageLib `signMessage`
    /// (`sign-message --text T | --file F | --typed-data F`). Once executed, the Safe's
    /// isValidSignature accepts the message with an empty signature (`message verify SAFE --text T
    /// --signature 0x`).
    SignMessage {
        #[command(flatten)]
        content: crate::opts::ContentOpts,
    },
    /// Change the owners or the threshold.
    #[command(subcommand)]
    Owners(OwnersAction),
    /// Enable or disable a module.
    #[command(subcommand)]
    Modules(ModulesAction),
    /// Set or clear the transaction guard.
    #[command(subcommand)]
    Guard(GuardAction),
    /// Set or clear the module guard (Safe 1.5.0 and later).
    #[command(subcommand, name = "module-guard")]
    ModuleGuard(ModuleGuardAction),
    /// Set the fallback handler.
    #[command(subcommand, name = "fallback-handler")]
    FallbackHandler(HandlerAction),
    /// A batch from a CSV Airdrop file (token_type,token_address,receiver,amount,id) or a
    /// Safe{Wallet} Transaction Builder file, as MultiSendCallOnly transactions that each fit
    /// under --max-gas, with consecutive nonces.
    Batch {
        /// The CSV Airdrop file.
        #[arg(long, required_unless_present = "tx_builder", conflicts_with = "tx_builder")]
        csv: Option<PathBuf>,
        /// The Transaction Builder JSON file (its checksum, if any, is verified).
        #[arg(long, value_name = "FILE")]
        tx_builder: Option<PathBuf>,
        /// The most gas one Safe transaction may use. Default: the smaller of the EIP-7825 cap
        /// (16,777,216) and half the block gas limit.
        #[arg(long)]
        max_gas: Option<String>,
        /// Print the plan (chunks, rows, nonces, estimated gas) and store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OpArg {
    Call,
    Delegatecall,
}

/// `owners …`
#[derive(Debug, Subcommand)]
enum OwnersAction {
    /// Add an owner (it goes first in the owner list).
    Add {
        /// The new owner.
        owner: String,
        /// The threshold after the change (default: unchanged).
        #[arg(long)]
        threshold: Option<String>,
    },
    /// Remove an owner.
    Remove {
        /// The owner to remove.
        owner: String,
        /// The threshold after the change (default: unchanged, lowered if it would exceed the owners left).
        #[arg(long)]
        threshold: Option<String>,
    },
    /// Replace an owner.
    Swap {
        /// The owner to replace.
        old: String,
        /// The replacement.
        new: String,
    },
    /// Change the threshold.
    Threshold {
        /// The new threshold.
        threshold: String,
    },
}

/// `modules …`
#[derive(Debug, Subcommand)]
enum ModulesAction {
    /// Enable a module (it can then move funds without signatures).
    Enable {
        /// The module.
        module: String,
    },
    /// Disable a module.
    Disable {
        /// The module.
        module: String,
    },
}

/// `guard …`
#[derive(Debug, Subcommand)]
enum GuardAction {
    /// Set the transaction guard (it must support the guard interface through ERC-165).
    Set {
        /// The guard.
        guard: String,
    },
    /// Remove the transaction guard.
    Clear,
}

/// `module-guard …`
#[derive(Debug, Subcommand)]
enum ModuleGuardAction {
    /// Set the module guard, which checks every module transaction (it must support the module
    /// guard interface through ERC-165).
    Set {
        /// The module guard.
        guard: String,
    },
    /// Remove the module guard.
    Clear,
}

/// `fallback-handler …`
#[derive(Debug, Subcommand)]
enum HandlerAction {
    /// Set the fallback handler (0x0000000000000000000000000000000000000000 removes it).
    Set {
        /// The handler.
        handler: String,
    },
}

/// A transaction built from an action, with what is kept alongside it.
struct Built {
    tx: SafeTx,
    label: Option<String>,
}

impl Built {
    fn plain(tx: SafeTx) -> Self {
        Self { tx, label: None }
    }
}

fn opt_value(v: Option<&String>) -> eyre::Result<U256> {
    v.map_or(Ok(U256::ZERO), |v| parse::eth_value("--value", v))
}

impl ProposeArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let provider = self.tx.rpc.provider()?;
        self.tx.rpc.chain_id(&provider).await?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let dry_run = matches!(self.action, Action::Batch { dry_run: true, .. });
        let prepared = self.tx.prepare(&info, !dry_run).await?;
        let nonce = prepared.nonce;
        if let Action::Batch { csv, tx_builder, max_gas, dry_run } = &self.action {
            let libs = self.tx.suite.for_safe(&provider, safe).await?;
            let source = match (csv, tx_builder) {
                (Some(csv), _) => crate::batch::Source::Csv(csv),
                (None, Some(file)) => crate::batch::Source::TxBuilder(file),
                (None, None) => return Err(bad_input("give --csv FILE or --tx-builder FILE")),
            };
            let req = crate::batch::BatchRequest {
                source,
                max_gas: max_gas.as_deref(),
                dry_run: *dry_run,
                label: self.tx.label.as_deref(),
                json: self.tx.json,
                publish: prepared
                    .proposer
                    .as_ref()
                    .map(|signer| Publish { signer, service: &self.tx.service }),
            };
            return crate::batch::run(&provider, &prepared.store, &libs, &info, &ctx, nonce, req)
                .await;
        }
        let built = self.build(&provider, &info, nonce).await?;
        let (hash, v) =
            self.tx.submit(&provider, &prepared, &info, &built.tx, built.label, None).await?;
        print_proposal(hash, &v, self.tx.json)
    }

    async fn build(
        &self,
        provider: &DynProvider,
        info: &SafeInfo,
        nonce: U256,
    ) -> eyre::Result<Built> {
        Ok(match &self.action {
            Action::Eth { to, value } => {
                let to = parse::address("--to", to)?;
                let value = parse::eth_value("--value", value)?;
                Built::plain(SafeTx::call(to, value, Bytes::new(), nonce))
            }
            Action::Erc20 { token, to, amount } => {
                let token = parse::address("--token", token)?;
                let to = parse::address("--to", to)?;
                let d = crate::batch::decimals(provider, token).await?;
                let units =
                    parse_units(amount, d).map_err(|e| bad_input(format!("--amount: {e}")))?;
                if units.is_zero() {
                    return Err(bad_input("--amount: zero; give a positive amount"));
                }
                Built::plain(SafeTx::call(
                    token,
                    U256::ZERO,
                    erc20_transfer_calldata(to, units),
                    nonce,
                ))
            }
            Action::Call { to, sig, value, args } => {
                let to = parse::address("--to", to)?;
                let value = opt_value(value.as_ref())?;
                let data = parse::encode_call(sig, args)?;
                Built::plain(SafeTx::call(to, value, data, nonce))
            }
            Action::Raw { to, data, value, operation } => {
                let to = parse::address("--to", to)?;
                let value = opt_value(value.as_ref())?;
                let data = parse::hex_data("--data", data)?;
                match operation {
                    OpArg::Call => Built::plain(SafeTx::call(to, value, data, nonce)),
                    // The signing gate decides whether the target may be delegatecalled.
                    OpArg::Delegatecall => {
                        let mut tx = SafeTx::delegate_call(to, data, nonce);
                        tx.value = value;
                        Built::plain(tx)
                    }
                }
            }
            Action::SignMessage { content } => {
                let content = content.content()?;
                let ctx = info.context()?;
                let hash = content.safe_message_hash(&ctx)?;
                eprintln!("Safe message to sign on chain (recomputed from the content):");
                eprint!("{}", crate::view::message::message_fields(&ctx, &content)?.render());
                let lib = self.tx.suite.addresses(provider).await?.sign_message_lib;
                let data = parse::encode_call(
                    "signMessage(bytes)",
                    &[content.message_bytes()?.to_string()],
                )?;
                Built {
                    tx: SafeTx::delegate_call(lib, data, nonce),
                    label: Some(format!("sign message {hash}")),
                }
            }
            Action::Owners(a) => Built::plain(match a {
                OwnersAction::Add { owner, threshold } => {
                    let owner = parse::address("OWNER", owner)?;
                    let t = match threshold {
                        Some(t) => parse::count("--threshold", t)?,
                        None => info.threshold,
                    };
                    info.add_owner_tx(owner, t, nonce)?
                }
                OwnersAction::Remove { owner, threshold } => {
                    let owner = parse::address("OWNER", owner)?;
                    let t = match threshold {
                        Some(t) => parse::count("--threshold", t)?,
                        None => info.threshold.min(info.owners.len().saturating_sub(1) as u64),
                    };
                    info.remove_owner_tx(owner, t, nonce)?
                }
                OwnersAction::Swap { old, new } => {
                    let old = parse::address("OLD", old)?;
                    let new = parse::address("NEW", new)?;
                    info.swap_owner_tx(old, new, nonce)?
                }
                OwnersAction::Threshold { threshold } => {
                    info.change_threshold_tx(parse::count("THRESHOLD", threshold)?, nonce)?
                }
            }),
            Action::Modules(a) => Built::plain(match a {
                ModulesAction::Enable { module } => {
                    info.enable_module_tx(parse::address("MODULE", module)?, nonce)?
                }
                ModulesAction::Disable { module } => {
                    info.disable_module_tx(parse::address("MODULE", module)?, nonce)?
                }
            }),
            Action::Guard(a) => Built::plain(match a {
                GuardAction::Set { guard } => {
                    let guard = parse::address("GUARD", guard)?;
                    if guard == Address::ZERO {
                        return Err(bad_input(
                            "GUARD is the zero address; use `guard clear` to remove the guard",
                        ));
                    }
                    info.set_guard_tx(guard, nonce)?
                }
                GuardAction::Clear => info.set_guard_tx(Address::ZERO, nonce)?,
            }),
            Action::ModuleGuard(a) => Built::plain(match a {
                ModuleGuardAction::Set { guard } => {
                    let guard = parse::address("GUARD", guard)?;
                    if guard == Address::ZERO {
                        return Err(bad_input(
                            "GUARD is the zero address; use `module-guard clear` to remove the module guard",
                        ));
                    }
                    info.set_module_guard_tx(guard, nonce)?
                }
                ModuleGuardAction::Clear => info.set_module_guard_tx(Address::ZERO, nonce)?,
            }),
            Action::FallbackHandler(HandlerAction::Set { handler }) => Built::plain(
                info.set_fallback_handler_tx(parse::address("HANDLER", handler)?, nonce)?,
            ),
            Action::Batch { .. } => {
                return Err(eyre::eyre!("batches are proposed by the batch module"));
            }
        })
    }
}

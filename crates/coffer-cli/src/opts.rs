//! Option groups shared by several commands.

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use clap::Args;
use coffer_chain::{SafeLibraries, SuiteAddresses, SuiteChoice, gate::Policy, safe_libraries};
use coffer_core::MessageContent;
use coffer_signer::TxSender;
use coffer_store::Store;
use eyre::WrapErr;
use std::path::PathBuf;

use crate::exit::bad_input;

/// RPC connection options (`--rpc-url` / `ETH_RPC_URL`, as in cast).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "RPC options")]
pub(crate) struct RpcOpts {
    /// The RPC endpoint.
    #[arg(long, env = "ETH_RPC_URL", default_value = "http://127.0.0.1:8545", global = true)]
    pub(crate) rpc_url: String,
}

impl RpcOpts {
    /// A read-only provider.
    pub(crate) fn provider(&self) -> eyre::Result<DynProvider> {
        let client = coffer_chain::rpc::client(self.url()?, None);
        Ok(quick_local_polling(ProviderBuilder::new().connect_client(client).erased()))
    }

    /// A provider that signs with `sender`: a local key in memory, a Ledger or Trezor on the device.
    pub(crate) fn signing_provider(&self, sender: TxSender) -> eyre::Result<DynProvider> {
        self.journaled_provider(sender, None)
    }

    /// [`RpcOpts::signing_provider`] that records each signed transaction in `journal` before broadcasting
    /// it (`coffer_chain::rpc`: retries and the journal live there, for every provider coffer builds).
    pub(crate) fn journaled_provider(
        &self,
        sender: TxSender,
        journal: Option<std::sync::Arc<dyn coffer_chain::rpc::SendJournal>>,
    ) -> eyre::Result<DynProvider> {
        let client = coffer_chain::rpc::client(self.url()?, journal);
        let provider = ProviderBuilder::new()
            .wallet(sender.into_ethereum_wallet())
            .connect_client(client)
            .erased();
        Ok(quick_local_polling(provider))
    }

    /// The chain id, with an error that names the URL when the node cannot be reached.
    pub(crate) async fn chain_id(&self, provider: &DynProvider) -> eyre::Result<u64> {
        provider.get_chain_id().await.wrap_err_with(|| {
            format!(
                "cannot reach the RPC node at {}: is it running? Pass --rpc-url or set ETH_RPC_URL",
                self.rpc_url
            )
        })
    }

    fn url(&self) -> eyre::Result<alloy::transports::http::reqwest::Url> {
        self.rpc_url
            .parse()
            .map_err(|e| bad_input(format!("--rpc-url {:?} is not a URL: {e}", self.rpc_url)))
    }
}

/// On a loopback node (anvil), polls for receipts every 20 ms instead of alloy's 250 ms: a
/// receipt asked for a moment before the node has mined the transaction otherwise costs a
/// quarter of a second per sent transaction. Remote nodes keep alloy's interval.
fn quick_local_polling(provider: DynProvider) -> DynProvider {
    if provider.client().is_local() {
        provider.client().set_poll_interval(std::time::Duration::from_millis(20));
    }
    provider
}

/// Where the proposal queue lives (`--data-dir` / `COFFER_HOME`, else the platform data dir).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Store options")]
pub(crate) struct StoreOpts {
    /// The data directory holding the proposal queue (coffer.sqlite3). Default: the platform data
    /// directory, e.g. ~/.local/share/coffer on Linux.
    #[arg(long, env = "COFFER_HOME", value_name = "DIR", global = true)]
    pub(crate) data_dir: Option<PathBuf>,
}

impl StoreOpts {
    /// Opens (creating if needed) the store.
    pub(crate) fn open(&self) -> eyre::Result<Store> {
        let dir = match &self.data_dir {
            Some(d) => d.clone(),
            None => coffer_store::default_data_dir()?,
        };
        Ok(Store::open(&dir)?)
    }
}

/// Which Safe suite (factory, libraries, accessor) to use.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Suite options")]
pub(crate) struct SuiteOpts {
    /// The contract suite: `coffer` (ours, deployed with `coffer contracts deploy`), or a canonical
    /// Safe release: `canonical-1.3.0`, `canonical-1.4.1`, `canonical-1.5.0`. Default: for an
    /// existing Safe, the libraries of the Safe's own release (told from its singleton's address
    /// and code); for a new Safe, coffer.
    #[arg(long, value_name = "SUITE", global = true)]
    pub(crate) suite: Option<String>,
}

impl SuiteOpts {
    /// The `--suite` given, parsed; `None` when it was not given.
    pub(crate) fn choice(&self) -> eyre::Result<Option<SuiteChoice>> {
        self.suite
            .as_deref()
            .map(|s| {
                SuiteChoice::parse(s).ok_or_else(|| {
                    bad_input(format!(
                        "--suite {s:?} is not known: use coffer, canonical-1.3.0, canonical-1.4.1 or canonical-1.5.0"
                    ))
                })
            })
            .transpose()
    }

    /// The addresses of the chosen suite (coffer's when none is given) on the provider's chain:
    /// for deploying and creating Safes.
    pub(crate) async fn addresses(&self, provider: &DynProvider) -> eyre::Result<SuiteAddresses> {
        let choice = self.choice()?.unwrap_or(SuiteChoice::Coffer);
        Ok(choice.addresses(provider).await?)
    }

    /// The libraries for the existing Safe at `safe`: the chosen suite's, else those of the
    /// Safe's own release (coffer-chain's `safe_libraries`).
    pub(crate) async fn for_safe(
        &self,
        provider: &DynProvider,
        safe: Address,
    ) -> eyre::Result<SafeLibraries> {
        Ok(safe_libraries(provider, safe, self.choice()?).await?)
    }
}

/// The wallet that pays for and sends a plain transaction (deployments, Safe creation, approveHash,
/// execTransaction, payout runs): a local key, or a Ledger / Trezor that signs each EIP-1559 transaction on
/// the device after printing what it will show ("Confirm on your Ledger: …").
pub(crate) fn sending_key(signer: &coffer_signer::WalletSigner) -> eyre::Result<TxSender> {
    Ok(TxSender::new(signer.clone()))
}

/// The Transaction Service to share the queue with (`--tx-service` / `COFFER_TX_SERVICE`,
/// `--tx-service-key` / `COFFER_TX_SERVICE_KEY`).
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Transaction Service options")]
pub(crate) struct TxServiceOpts {
    /// A Safe Transaction Service or `coffer serve` sharing the queue, e.g.
    /// http://127.0.0.1:8000/api (`/api` is added when missing). With only --tx-service-key:
    /// Safe's hosted service for the RPC's chain. Everything read from it is verified against
    /// the chain before it is used or stored.
    #[arg(long = "tx-service", env = "COFFER_TX_SERVICE", value_name = "URL", global = true)]
    pub(crate) url: Option<String>,
    /// API key for the service, sent as `Authorization: Bearer KEY` (needed by api.safe.global).
    #[arg(
        long = "tx-service-key",
        env = "COFFER_TX_SERVICE_KEY",
        value_name = "KEY",
        hide_env_values = true,
        global = true
    )]
    pub(crate) key: Option<String>,
}

impl TxServiceOpts {
    /// Whether a service is configured at all.
    pub(crate) fn enabled(&self) -> bool {
        self.url.as_deref().is_some_and(|u| !u.trim().is_empty())
            || self.key.as_deref().is_some_and(|k| !k.trim().is_empty())
    }

    /// The client, if a service is configured (the hosted URL needs the chain id).
    pub(crate) fn client(&self, chain_id: u64) -> eyre::Result<Option<coffer_txs_api::Client>> {
        if !self.enabled() {
            return Ok(None);
        }
        Ok(Some(coffer_txs_api::Client::new(self.url.as_deref(), self.key.as_deref(), chain_id)?))
    }
}

/// The signing gate's policy options, shared by every command that proposes, signs, approves,
/// imports or executes.
#[derive(Clone, Copy, Debug, Default, Args)]
pub(crate) struct PolicyOpts {
    /// Accept a DELEGATECALL to a contract that is not a known MultiSendCallOnly or
    /// SignMessageLib. The target's code runs with the Safe's storage and funds: only for
    /// audited contracts (see docs/security.md).
    #[arg(long)]
    pub(crate) allow_delegatecall: bool,
}

impl PolicyOpts {
    /// The library policy with these options (a legacy domain is only checked offline).
    pub(crate) fn policy(self) -> Policy {
        Policy { allow_delegatecall: self.allow_delegatecall, allow_legacy_domain: false }
    }
}

/// Which message: `--text`, `--file` (its text) or `--typed-data` (an eth_signTypedData_v4 JSON file).
#[derive(Debug, Args)]
pub(crate) struct ContentOpts {
    /// The message text.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["file", "typed_data"])]
    text: Option<String>,
    /// A file whose contents (UTF-8 text) are the message.
    #[arg(long, value_name = "FILE", conflicts_with = "typed_data")]
    file: Option<PathBuf>,
    /// A JSON file of EIP-712 typed data (eth_signTypedData_v4: types, primaryType, domain, message).
    #[arg(long, value_name = "FILE")]
    typed_data: Option<PathBuf>,
}

impl ContentOpts {
    pub(crate) fn given(&self) -> bool {
        self.text.is_some() || self.file.is_some() || self.typed_data.is_some()
    }

    pub(crate) fn content(&self) -> eyre::Result<MessageContent> {
        let read = |p: &PathBuf, what: &str| {
            std::fs::read(p).map_err(|e| bad_input(format!("{what} {}: {e}", p.display())))
        };
        if let Some(t) = &self.text {
            return Ok(MessageContent::Text(t.clone()));
        }
        if let Some(p) = &self.file {
            let bytes = read(p, "--file")?;
            let text = String::from_utf8(bytes).map_err(|_| {
                bad_input(format!(
                    "--file {}: not UTF-8 text; a Safe message file is a text (use --typed-data for EIP-712 JSON)",
                    p.display()
                ))
            })?;
            return Ok(MessageContent::Text(text));
        }
        if let Some(p) = &self.typed_data {
            let bytes = read(p, "--typed-data")?;
            let text = String::from_utf8(bytes)
                .map_err(|_| bad_input(format!("--typed-data {}: not UTF-8 JSON", p.display())))?;
            return MessageContent::typed_data_from_str(&text)
                .map_err(|e| bad_input(format!("--typed-data {}: {e}", p.display())));
        }
        Err(bad_input("give the message: --text TEXT, --file FILE or --typed-data FILE"))
    }
}

/// What every command that proposes a Safe transaction takes (`tx propose`, and the Safe-tx
/// commands of `delay`, `recovery`, `allowance`, `guard`): the node, the store, the suite, the
/// signing gate's policy, the nonce and label, JSON output, and, with a Transaction Service, the
/// proposing owner's wallet. The proposal itself goes through [`crate::flow`] (one path).
#[derive(Debug, Args)]
pub(crate) struct SafeTxArgs {
    /// The Safe nonce to use. Default: the next free one (the chain's nonce, or one above the
    /// highest pending proposal in the queue).
    #[arg(long, global = true)]
    pub(crate) nonce: Option<String>,
    /// A short label kept with the proposal (shown by `tx list` and `tx show`).
    #[arg(long, global = true)]
    pub(crate) label: Option<String>,
    /// Allow a DELEGATECALL to a contract that is not a known MultiSendCallOnly or SignMessageLib.
    /// The target's code runs with the Safe's storage and funds: only for audited contracts.
    #[arg(long, global = true)]
    pub(crate) allow_delegatecall: bool,
    /// Print JSON.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) rpc: RpcOpts,
    #[command(flatten)]
    pub(crate) store: StoreOpts,
    #[command(flatten)]
    pub(crate) suite: SuiteOpts,
    #[command(flatten)]
    pub(crate) service: TxServiceOpts,
    /// With --tx-service: the proposing owner's wallet (the service requires the proposer's
    /// signature); for commands that deploy first, also the key that pays for the deployment.
    #[command(flatten)]
    pub(crate) wallet: coffer_signer::WalletOpts,
}

impl SafeTxArgs {
    /// The signing gate's policy with these options.
    pub(crate) fn policy(&self) -> Policy {
        Policy { allow_delegatecall: self.allow_delegatecall, allow_legacy_domain: false }
    }
}

//! Option groups shared by several commands.

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use clap::Args;
use eyre::WrapErr;

/// RPC connection options (`--rpc-url` / `ETH_RPC_URL`, as in cast).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "RPC options")]
pub(crate) struct RpcOpts {
    /// The RPC endpoint.
    #[arg(long, env = "ETH_RPC_URL", default_value = "http://127.0.0.1:8545")]
    pub(crate) rpc_url: String,
}

impl RpcOpts {
    /// A provider that signs with `signer`.
    pub(crate) fn signing_provider(&self, signer: PrivateKeySigner) -> eyre::Result<DynProvider> {
        let url = self.url()?;
        Ok(ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased())
    }

    fn url(&self) -> eyre::Result<alloy::transports::http::reqwest::Url> {
        self.rpc_url.parse().map_err(|e| {
            crate::exit::bad_input(format!("--rpc-url {:?} is not a URL: {e}", self.rpc_url))
        })
    }
}

/// Temporary sender options for commands that send plain transactions (deployments).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Sender options")]
pub(crate) struct SenderOpts {
    /// Private key of the account that pays for the transactions (hex).
    #[arg(long, env = "ETH_PRIVATE_KEY", hide_env_values = true)]
    pub(crate) private_key: Option<String>,
}

impl SenderOpts {
    /// The signer, or a bad-input error that says what to pass.
    pub(crate) fn signer(&self) -> eyre::Result<PrivateKeySigner> {
        let Some(key) = &self.private_key else {
            return Err(crate::exit::bad_input(
                "no sender: pass --private-key <HEX> (or set ETH_PRIVATE_KEY) for the account that pays gas",
            ));
        };
        key.trim()
            .parse::<PrivateKeySigner>()
            .map_err(|_| crate::exit::bad_input("--private-key is not a 32-byte hex private key"))
            .wrap_err("reading the sender key")
    }
}

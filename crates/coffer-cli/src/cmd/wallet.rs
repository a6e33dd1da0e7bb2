//! `coffer wallet address`: the address of any wallet option, several derivation paths with `--index A..B`,
//! and confirmation on a Ledger or Trezor screen with `--show-on-device`.

use clap::{Args, Subcommand};
use coffer_signer::{IndexRange, StderrPreview, WalletOpts};
use serde_json::json;

use crate::{exit::bad_input, output::print_json};

/// `coffer wallet …`
#[derive(Debug, Subcommand)]
pub(crate) enum WalletCmd {
    /// Print the address of a wallet (key, mnemonic, keystore, Ledger, Trezor), e.g. to make it a Safe owner.
    Address(AddressArgs),
}

impl WalletCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Address(args) => args.run().await,
        }
    }
}

/// Arguments of `coffer wallet address`.
#[derive(Debug, Args)]
pub(crate) struct AddressArgs {
    /// List the accounts with these indexes in the wallet's layout: N, A..B (A to B-1) or A..=B, at most
    /// 100 (--mnemonic and --trezor: m/44'/60'/0'/0/N; --ledger: m/44'/60'/N'/0/0, or m/44'/60'/0'/N with
    /// --ledger-legacy).
    #[arg(long, value_name = "N|A..B", conflicts_with_all = ["mnemonic_index", "hd_path"])]
    index: Option<String>,
    /// Show each address on the Ledger or Trezor screen and wait for the user to confirm it there.
    #[arg(long)]
    show_on_device: bool,
    /// Print JSON: {"kind", "accounts": [{"path", "address", "confirmedOnDevice"}]}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    wallet: WalletOpts,
}

impl AddressArgs {
    async fn run(self) -> eyre::Result<()> {
        let range = match &self.index {
            Some(text) => {
                Some(text.parse::<IndexRange>().map_err(|e| bad_input(format!("--index: {e}")))?)
            }
            None => None,
        };
        let (kind, accounts) =
            self.wallet.addresses(range, self.show_on_device, &mut StderrPreview).await?;
        if self.json {
            let list: Vec<_> = accounts
                .iter()
                .map(|a| {
                    json!({
                        "path": a.path.as_ref().map(ToString::to_string),
                        "address": a.address,
                        "confirmedOnDevice": a.confirmed_on_device,
                    })
                })
                .collect();
            return print_json(&json!({ "kind": kind.to_string(), "accounts": list }));
        }
        for a in &accounts {
            match &a.path {
                Some(path) => println!("{path}\t{}", a.address),
                None => println!("{}", a.address),
            }
        }
        if self.show_on_device {
            eprintln!("{} address(es) confirmed on the {kind}", accounts.len());
        }
        Ok(())
    }
}

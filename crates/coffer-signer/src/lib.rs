#![doc = include_str!("../README.md")]

mod error;
mod ledger;
mod local;
mod opts;
mod path;
mod preview;
mod signer;
mod trezor;

pub use error::{Error, Result};
pub use ledger::{LedgerAppConfig, LedgerConnection, LedgerSigner};
pub use local::{KeySigner, KeySource};
pub use opts::{
    ENV_KEYSTORE, ENV_LEDGER_URL, ENV_MNEMONIC, ENV_PASSWORD, ENV_PRIVATE_KEY, WalletOpts,
};
pub use path::DerivationPath;
pub use preview::{PreviewSink, PreviewSubject, SigningPreview, StderrPreview};
pub use signer::{SignerKind, SigningMode, WalletSigner};
pub use trezor::TrezorSigner;

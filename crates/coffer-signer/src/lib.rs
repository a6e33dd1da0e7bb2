#![doc = include_str!("../README.md")]

mod eip712;
mod error;
mod ledger;
mod local;
mod message;
mod opts;
mod path;
mod preview;
mod send;
mod signer;
mod trezor;
mod trezor_json;
mod typed;

pub use eip712::TypedSignature;
pub use error::{Error, Result};
pub use ledger::{
    DEFAULT_DEVICE_TIMEOUT, LedgerAppConfig, LedgerConnection, LedgerMode, LedgerSigner,
};
pub use local::{KeySigner, KeySource};
pub use message::sign_safe_message;
pub use opts::{
    ENV_KEYSTORE, ENV_LEDGER_URL, ENV_MNEMONIC, ENV_PASSWORD, ENV_PRIVATE_KEY, ENV_TREZOR_EMULATOR,
    IndexRange, MAX_LISTED_ACCOUNTS, WalletAccount, WalletOpts,
};
pub use path::DerivationPath;
pub use preview::{DevicePrompt, PreviewSink, PreviewSubject, SigningPreview, StderrPreview};
pub use send::TxSender;
pub use signer::{SignerKind, SigningMode, WalletSigner};
pub use trezor::TrezorSigner;
pub use typed::{
    Eip712Member, Eip712Struct, Eip712Type, LEDGER_MAX_UNCUT_BYTES, LEDGER_VALUE_CHARS, Screen,
    TypedMessage,
};

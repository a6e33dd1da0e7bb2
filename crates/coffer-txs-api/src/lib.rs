#![doc = include_str!("../README.md")]

pub mod client;
pub mod messages;
pub mod types;

pub use client::{Client, ClientError, Retry, hosted_url, normalize_base_url};
pub use messages::{SafeMessageConfirmation, SafeMessageCreate, SafeMessageResponse};
pub use types::{
    AboutResponse, ApiErrorBody, Confirmation, ConfirmationCreate, MultisigTransaction,
    MultisigTransactionCreate, OwnerSafes, Page, SafeInfoResponse, WireError,
};

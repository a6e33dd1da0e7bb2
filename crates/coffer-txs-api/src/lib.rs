#![doc = include_str!("../README.md")]

pub mod client;
pub mod types;

pub use client::{Client, ClientError, Retry, hosted_url, normalize_base_url};
pub use types::{
    AboutResponse, ApiErrorBody, Confirmation, ConfirmationCreate, MultisigTransaction,
    MultisigTransactionCreate, OwnerSafes, Page, SafeInfoResponse, WireError,
};

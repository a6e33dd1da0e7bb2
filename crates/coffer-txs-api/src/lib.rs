#![doc = include_str!("../README.md")]

pub mod types;

pub use types::{
    AboutResponse, ApiErrorBody, Confirmation, ConfirmationCreate, MultisigTransaction,
    MultisigTransactionCreate, OwnerSafes, Page, SafeInfoResponse, WireError,
};

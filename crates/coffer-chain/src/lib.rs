#![doc = include_str!("../README.md")]

pub mod deploy;
mod error;

pub use error::{Error, Result};

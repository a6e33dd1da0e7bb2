#![doc = include_str!("../README.md")]

mod chain;
mod clock;
mod db;
mod error;
mod http;
mod rules;
mod server;

pub use db::{Backend, Db, SCHEMA_VERSION};
pub use error::{Error, Result};
pub use server::{ServeConfig, Server, shutdown_signal};

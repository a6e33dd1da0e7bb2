#![doc = include_str!("../README.md")]

pub mod drill;
mod error;
mod execute;
pub mod flow;
pub mod heal;
pub mod once;
mod relay;
pub mod service;

pub use error::{Error, Result};
pub use execute::{
    ExecuteOptions, Executed, JournalHandle, Readiness, ReadyExecution, execute_ready,
    prepare_ready, send_ready,
};
pub use relay::{LocalOnly, Refresh, Relay, RelayConfig, RelayEvent, RelaySummary, RoundOutcome};

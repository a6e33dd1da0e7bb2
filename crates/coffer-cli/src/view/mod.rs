//! What the commands show and share that is not a command: how a Safe transaction, a Safe
//! message, a payout plan and a Safe's modules are displayed.

pub(crate) mod message;
pub(crate) mod modules;
pub(crate) mod plan;
pub(crate) mod time;
pub(crate) mod tx;

//! `sol!` bindings generated from the committed artifacts (ABI and bytecode), so that building
//! coffer never needs solc. Each module has the contract's calls, events, errors, and an RPC
//! instance type with `deploy` from its creation code.
#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

use alloy::sol;

sol!(
    #[sol(rpc)]
    Counter,
    "artifacts/Counter.json"
);

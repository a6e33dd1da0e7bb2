#![doc = include_str!("../README.md")]

mod admin;
pub mod allowance;
mod create;
pub mod delay;
pub mod deploy;
pub mod drill;
mod error;
mod evm;
mod execute;
pub mod gate;
pub mod guard;
mod libraries;
pub mod message;
pub mod message_file;
mod nonce;
pub mod once;
pub mod plan;
pub mod plan_file;
mod read;
pub mod recovery;
pub mod rpc;
mod send;
pub mod sheet;
pub mod sheet_render;
mod simulate;
mod status;
mod suite;
#[cfg(feature = "test-utils")]
pub mod test_utils;

pub use admin::prev_in_list;
pub use create::{
    CreatedSafe, ISafeProxyFactoryL2, SafeConfig, SafePlan, SaltScheme, SingletonChoice,
    create_safe, create_safe_logged, plan_safe, proxy_address, proxy_salt, setup_calldata,
    uses_factory_l2,
};
pub use error::{Error, Result};
pub use evm::{require_push0, supports_push0};
pub use execute::{
    Approval, EIP1271_MAGIC, ExecutionRecord, ExecutionReport, ExecutionRequest,
    LEGACY_EIP1271_MAGIC, OwnerCheck, OwnerSnapshot, PreparedExecution, SignatureCheck,
    SignatureStatus, approve_hash, execute, execution_event, find_executions, get_logs_paged,
    is_range_refusal, owner_safe_message, owner_safe_message_hash, prepare_execution,
    send_execution, send_execution_capped, verify_parsed_signatures, verify_signatures,
    verify_signatures_with,
};
pub use libraries::{
    Library, LibrarySource, SafeLibraries, SafeRelease, SuiteChoice, detect_release, safe_libraries,
};
pub use nonce::{check_nonce, check_safe_tx_hash, next_nonce, next_nonce_after};
pub use read::{
    FALLBACK_HANDLER_SLOT, GUARD_SLOT, MODULE_GUARD_SLOT, SENTINEL, SafeInfo, SingletonKind,
    TokenBalance, chain_id, classify_singleton, modules, owners, read_safe, safe_context,
    safe_nonce, safe_version, threshold, token_balances,
};
pub use simulate::{
    Simulation, estimate_exec, estimate_overrides_supported, exec_fits, revert_reason, simulate,
};
pub use status::{
    ChainStatus, chain_status, chain_statuses, history_start, pending_safe_nonce, status_of,
};
pub use suite::{
    SUITE_CONTRACTS, SuiteAddresses, SuiteDeployment, deploy_suite, deploy_suite_with,
    suite_artifacts,
};

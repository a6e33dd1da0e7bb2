#![doc = include_str!("../README.md")]

mod allowance;
mod amount;
pub mod csv_airdrop;
mod date;
mod decode;
mod error;
mod hash;
mod message;
mod multisend;
mod payout;
mod payout_plan;
pub mod recovery;
mod signature;
pub mod tx_builder;
mod types;

pub use allowance::{
    ALLOWANCE_DOMAIN_TYPEHASH, ALLOWANCE_TRANSFER_TYPE, ALLOWANCE_TRANSFER_TYPE_V010,
    ALLOWANCE_TRANSFER_TYPEHASH, ALLOWANCE_TRANSFER_TYPEHASH_V010, AllowanceState,
    AllowanceTransfer, AllowanceVersion, MAX_ALLOWANCE_AMOUNT, MAX_PERIOD_MIN, MAX_TRANSFER_NONCE,
    add_delegate_calldata, allowance_domain_separator, check_uint96, delegate_key,
    delete_allowance_calldata, eth_sign_hash, format_period, parse_period,
    remove_delegate_calldata, reset_allowance_calldata, set_allowance_calldata,
};
pub use amount::{format_units, parse_units};
pub use csv_airdrop::{PayoutRow, parse_csv, rows_to_entries};
pub use date::{civil_date_utc, utc_timestamp};
pub use decode::{CallKind, DecodedCall, Risk, decode_call, message_text};
pub use error::{Error, Result, RowError};
pub use hash::{
    DOMAIN_TYPEHASH, DOMAIN_TYPEHASH_LEGACY, SAFE_MSG_TYPEHASH, SAFE_TX_TYPEHASH,
    SAFE_TX_TYPEHASH_V0, domain_separator, safe_message_hash, safe_message_typed_data_json,
};
pub use message::{MessageContent, MessageLine};
pub use multisend::{MULTISEND_SELECTOR, MultiSendBatch, MultiSendEntry};
pub use payout::{Chunk, TightPacker, chunk_by_gas, erc20_transfer_calldata, split_pro_rata};
pub use payout_plan::{
    AssetUnits, MAX_PLAN_CAPS, PAYOUT_CHUNK_TYPEHASH, PayoutPlanTree, PlanApproval, PlanCheckError,
    PlanDomain, PlanPayout, PlanTotals, TokenCap, approve_plan_calldata, bitmap_words, check_plan,
    check_plan_targets, chunk_payouts, compute_root, execute_chunk_calldata, find_plan_approval,
    hash_pair, is_chunk_executed, pending_chunks, plan_summary_lines, plan_totals,
    revoke_plan_at_calldata, revoke_plan_calldata, verify_chunk,
};
pub use signature::{
    ParsedSignatures, Rsv, SECP256K1N, SECP256K1N_HALF, SafeSignature, SignatureKind, normalize_s,
    pack_signatures, parse_signatures, parse_signatures_for,
};
pub use tx_builder::TxBuilderBatch;
pub use types::{Operation, SafeTx, SafeTxContext, SafeVersion};

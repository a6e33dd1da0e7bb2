#![doc = include_str!("../README.md")]

mod amount;
pub mod csv_airdrop;
mod decode;
mod error;
mod hash;
mod multisend;
mod payout;
mod payout_plan;
mod signature;
pub mod tx_builder;
mod types;

pub use amount::{format_units, parse_units};
pub use csv_airdrop::{PayoutRow, parse_csv, rows_to_entries};
pub use decode::{CallKind, DecodedCall, Risk, decode_call, message_text};
pub use error::{Error, Result, RowError};
pub use hash::{
    DOMAIN_TYPEHASH, DOMAIN_TYPEHASH_LEGACY, SAFE_MSG_TYPEHASH, SAFE_TX_TYPEHASH,
    SAFE_TX_TYPEHASH_V0, domain_separator, safe_message_hash, safe_message_typed_data_json,
};
pub use multisend::{MULTISEND_SELECTOR, MultiSendBatch, MultiSendEntry};
pub use payout::{Chunk, chunk_by_gas, erc20_transfer_calldata, split_pro_rata};
pub use payout_plan::{
    MAX_PLAN_CAPS, PAYOUT_CHUNK_TYPEHASH, PayoutPlanTree, PlanCheckError, PlanDomain, PlanTotals,
    TokenCap, approve_plan_calldata, bitmap_words, check_plan, compute_root,
    execute_chunk_calldata, hash_pair, is_chunk_executed, pending_chunks, revoke_plan_calldata,
    verify_chunk,
};
pub use signature::{
    Rsv, SECP256K1N, SECP256K1N_HALF, SafeSignature, SignatureKind, normalize_s, pack_signatures,
    parse_signatures,
};
pub use tx_builder::TxBuilderBatch;
pub use types::{Operation, SafeTx, SafeTxContext, SafeVersion};

//! The one error type of `coffer-core`.

use alloy_primitives::{Address, B256, U256};

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// One problem in one row of a CSV file (see [`Error::Csv`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// The column the problem is in, by its header name (for example `amount`).
    pub column: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl core::fmt::Display for RowError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}, column `{}`: {}", self.line, self.column, self.message)
    }
}

fn join_rows(errors: &[RowError]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

/// Every error `coffer-core` can return. Each variant names where the problem is (a signature index, a
/// MultiSend entry index, a transaction index, a row and column) and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A Safe `VERSION()` string that coffer does not know.
    #[error(
        "unknown Safe version {version:?}: coffer knows 1.0.0, 1.1.0, 1.1.1, 1.2.0, 1.3.0, 1.4.0, 1.4.1 and 1.5.0 \
         (optionally with a `+L2` suffix); check the Safe's VERSION() or pass the version explicitly"
    )]
    UnknownVersion {
        /// The string that was given.
        version: String,
    },

    /// An operation byte other than 0 (call) or 1 (delegatecall).
    #[error("invalid operation {value}: a Safe operation is 0 (call) or 1 (delegatecall)")]
    InvalidOperation {
        /// The byte that was given.
        value: u8,
    },

    /// A single ECDSA signature that is not 65 bytes long.
    #[error("signature {index}: expected 65 bytes (r ‖ s ‖ v), got {len}")]
    SignatureLength {
        /// Index of the signature (0 for a single one).
        index: usize,
        /// Its length in bytes.
        len: usize,
    },

    /// A `v` value that is not valid where it was found.
    #[error("signature {index}: invalid v = {v}; {expected}")]
    InvalidV {
        /// Index of the signature part.
        index: usize,
        /// The v byte found.
        v: u8,
        /// Which values are accepted here.
        expected: &'static str,
    },

    /// An ECDSA signature with `s` in the upper half of the curve order (malleable).
    #[error(
        "signature {index}: s is in the upper half of the curve order (high-s, malleable); \
         re-sign with a current wallet, or normalise it with `normalize_s` (which flips s and v)"
    )]
    HighS {
        /// Index of the signature part.
        index: usize,
    },

    /// An ECDSA signature from which no public key could be recovered.
    #[error("signature {index}: could not recover a signer: {reason}")]
    Recovery {
        /// Index of the signature part.
        index: usize,
        /// Why recovery failed.
        reason: String,
    },

    /// The recovered or stated owner is not the one that was expected.
    #[error("signature {index}: recovers to {recovered}, expected {expected}")]
    WrongSigner {
        /// Index of the signature part.
        index: usize,
        /// The owner that was expected.
        expected: Address,
        /// The owner that the signature stands for.
        recovered: Address,
    },

    /// A signatures blob whose static part number `index` is cut short.
    #[error(
        "signature {index}: the signatures blob ends (or its dynamic area starts) at byte {end}, \
         inside the 65-byte static part that starts at byte {start}"
    )]
    SignaturesTruncated {
        /// Index of the static part.
        index: usize,
        /// Where that part starts.
        start: usize,
        /// Where the static area ends.
        end: usize,
    },

    /// An empty signatures blob.
    #[error("the signatures blob is empty: a Safe needs at least one 65-byte signature part")]
    EmptySignatures,

    /// The `r` word of an approved-hash or contract signature is not a left-padded address.
    #[error(
        "signature {index}: the r word {word} is not an address (its upper 12 bytes must be zero)"
    )]
    OwnerWordNotAddress {
        /// Index of the signature part.
        index: usize,
        /// The r word found.
        word: B256,
    },

    /// GS021: a contract signature's offset points into the static area.
    #[error(
        "signature {index}: contract signature offset {offset} points inside the static area \
         (which ends at byte {static_end}) (GS021)"
    )]
    ContractSignatureInsideStatic {
        /// Index of the signature part.
        index: usize,
        /// The offset found in `s`.
        offset: U256,
        /// Where the static parts end.
        static_end: usize,
    },

    /// GS022: a contract signature's length word is missing.
    #[error(
        "signature {index}: the length word of the contract signature at offset {offset} is past the \
         end of the blob ({len} bytes) (GS022)"
    )]
    ContractSignatureLengthMissing {
        /// Index of the signature part.
        index: usize,
        /// The offset found in `s`.
        offset: U256,
        /// Length of the blob.
        len: usize,
    },

    /// GS023: a contract signature's data is incomplete.
    #[error(
        "signature {index}: the contract signature at offset {offset} declares {data_len} bytes but only \
         {available} remain in the blob (GS023)"
    )]
    ContractSignatureDataIncomplete {
        /// Index of the signature part.
        index: usize,
        /// The offset found in `s`.
        offset: usize,
        /// The declared data length.
        data_len: U256,
        /// How many bytes remain after the length word.
        available: usize,
    },

    /// Two signatures for the same owner (a Safe counts each owner once).
    #[error("signature {index}: owner {owner} has signed twice; keep one signature per owner")]
    DuplicateOwner {
        /// Index (in the input list) of the second signature for this owner.
        index: usize,
        /// The owner.
        owner: Address,
    },

    /// A MultiSend entry that is cut short.
    #[error(
        "multisend entry {index}: needs {needed} bytes from offset {offset} but only {available} remain \
         (the packed format is operation(1) ‖ to(20) ‖ value(32) ‖ dataLength(32) ‖ data)"
    )]
    MultiSendTruncated {
        /// Index of the entry.
        index: usize,
        /// Byte offset where the entry (or its data) starts.
        offset: usize,
        /// Bytes needed.
        needed: U256,
        /// Bytes remaining.
        available: usize,
    },

    /// A MultiSend entry with an operation byte other than 0 or 1.
    #[error(
        "multisend entry {index}: invalid operation {value} (must be 0 call or 1 delegatecall)"
    )]
    MultiSendOperation {
        /// Index of the entry.
        index: usize,
        /// The byte found.
        value: u8,
    },

    /// A delegatecall entry in a call-only batch.
    #[error(
        "multisend entry {index}: delegatecall to {to} is not allowed in a call-only batch \
         (MultiSendCallOnly reverts on it); make it a call, or use MultiSend deliberately"
    )]
    DelegateCallInCallOnly {
        /// Index of the entry.
        index: usize,
        /// Its target.
        to: Address,
    },

    /// A delegatecall entry given for a Transaction Builder file, which can only express calls.
    #[error(
        "entry {index}: delegatecall to {to} cannot be written to a Transaction Builder file (it holds calls \
         only); export call entries, or propose the batch with coffer directly"
    )]
    DelegateCallNotExportable {
        /// Index of the entry.
        index: usize,
        /// Its target.
        to: Address,
    },

    /// Calldata that could not be ABI-decoded as expected.
    #[error("{context}: {reason}")]
    AbiDecode {
        /// What was being decoded.
        context: String,
        /// Why it failed.
        reason: String,
    },

    /// A Transaction Builder file that is not valid JSON or does not have the expected shape.
    #[error("transaction builder file: {reason}")]
    TxBuilderFormat {
        /// What is wrong.
        reason: String,
    },

    /// A Transaction Builder file without `meta.checksum`.
    #[error("transaction builder file has no meta.checksum to verify")]
    ChecksumMissing,

    /// A Transaction Builder file whose `meta.checksum` does not match its content.
    #[error(
        "transaction builder checksum mismatch: the file says {expected}, its content hashes to {computed}; \
         the file was edited after export"
    )]
    ChecksumMismatch {
        /// The checksum written in the file.
        expected: String,
        /// The checksum computed over the content.
        computed: B256,
    },

    /// One transaction of a Transaction Builder file could not be turned into calldata.
    #[error("transaction builder transaction {index}, field `{field}`: {reason}")]
    TxBuilderTx {
        /// Index of the transaction in `transactions`.
        index: usize,
        /// The field or contract input name at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },

    /// One or more rows of a CSV file are invalid. Every bad row is listed, not only the first.
    #[error("{} invalid CSV row(s):{}", errors.len(), join_rows(errors))]
    Csv {
        /// One entry per problem, in file order.
        errors: Vec<RowError>,
    },

    /// A decimal amount that is not a plain non-negative decimal number.
    #[error("invalid amount {value:?}: {reason}")]
    InvalidAmount {
        /// The text given.
        value: String,
        /// What is wrong.
        reason: String,
    },

    /// A decimal amount with more fractional digits than the token has.
    #[error(
        "amount {value:?} has {found} decimal places but the token has only {decimals}; \
         round it yourself, coffer does not round amounts"
    )]
    TooManyDecimals {
        /// The text given.
        value: String,
        /// Fractional digits found.
        found: usize,
        /// The token's decimals.
        decimals: u8,
    },

    /// An amount that does not fit in 256 bits.
    #[error("amount {value:?} does not fit in uint256 with {decimals} decimals")]
    AmountOverflow {
        /// The text given.
        value: String,
        /// The token's decimals.
        decimals: u8,
    },

    /// A payout split with invalid shares.
    #[error("pro-rata split: {reason}")]
    InvalidShares {
        /// What is wrong.
        reason: String,
    },

    /// One item that does not fit in a gas budget even alone.
    #[error(
        "item {index} needs {gas} gas plus {overhead} fixed overhead, which is over the budget of {budget}; \
         raise the budget or split that item"
    )]
    ItemExceedsBudget {
        /// Index of the item.
        index: usize,
        /// Its gas estimate.
        gas: u64,
        /// The fixed overhead per chunk.
        overhead: u64,
        /// The budget.
        budget: u64,
    },

    /// EIP-712 typed data that alloy could not build or hash.
    #[error("typed data: {reason}")]
    TypedData {
        /// Why.
        reason: String,
    },

    /// A spending-limit (AllowanceModule) parameter or answer that cannot be used.
    #[error("spending limit: {reason}")]
    Allowance {
        /// What is wrong and what to do.
        reason: String,
    },
}

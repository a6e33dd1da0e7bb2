//! The one error type of `coffer-store`.

use std::path::PathBuf;

use alloy_primitives::{Address, B256};

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Every error `coffer-store` can return. Each names the file, the proposal (by safeTxHash) or the signer it is
/// about, and says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The platform has no data directory (no `$HOME`, no `$XDG_DATA_HOME`).
    #[error(
        "no platform data directory is known on this system; pass --data-dir DIR or set COFFER_HOME"
    )]
    NoDataDir,

    /// A file or directory could not be created, read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("could not create the data directory", "could not read bundle", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// An SQLite failure on the store file.
    #[error("store {path}: {context}: {source}")]
    Sqlite {
        /// The store file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// The store file exists but is not an SQLite database.
    #[error(
        "{path} is not a coffer store (not an SQLite database); move it away or pass another --data-dir"
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },

    /// The store file is an SQLite database whose pages are damaged (a disk fault, a copy taken mid-write).
    #[error(
        "store {path} is damaged (SQLite reports: {detail}); nothing was written. Way out: move it aside \
         (`mv {path} {path}.damaged`), then `coffer store salvage {path}.damaged` copies every proposal and \
         signature that can still be read into a new store (each checked again) and lists what was lost"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        detail: String,
    },

    /// The store was written by a newer coffer with a schema this one does not know.
    #[error(
        "store {path} has schema version {found}, but this coffer knows versions up to {supported}; \
         upgrade coffer (the store is left untouched)"
    )]
    SchemaTooNew {
        /// The store file.
        path: PathBuf,
        /// The schema version in the file (`PRAGMA user_version`).
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },

    /// A stored row that does not read back as what was written (edited by hand, or damaged).
    #[error(
        "store {path}: proposal {hash}: {detail}; the row was changed outside coffer. Remove it with \
         `coffer tx remove {hash}` and import it again from a bundle"
    )]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// The proposal the row belongs to.
        hash: B256,
        /// What does not match.
        detail: String,
    },

    /// No proposal with this safeTxHash is in the store.
    #[error("no proposal {hash} in {path}; list them with `coffer tx list SAFE`")]
    UnknownProposal {
        /// The safeTxHash that was asked for.
        hash: B256,
        /// The store file.
        path: PathBuf,
    },

    /// A hash prefix that matches no proposal.
    #[error("no proposal matches {prefix} in {path}; list them with `coffer tx list SAFE`")]
    UnknownPrefix {
        /// The prefix given.
        prefix: String,
        /// The store file.
        path: PathBuf,
    },

    /// A hash prefix that matches more than one proposal.
    #[error(
        "{prefix} matches {count} proposals in {path} ({examples}); give more hex digits of the safeTxHash"
    )]
    AmbiguousPrefix {
        /// The prefix given.
        prefix: String,
        /// How many proposals match.
        count: usize,
        /// The first matches.
        examples: String,
        /// The store file.
        path: PathBuf,
    },

    /// A hash or hash prefix that is not hex.
    #[error("{given:?} is not a safeTxHash: write 0x and up to 64 hex digits")]
    InvalidHash {
        /// The text given.
        given: String,
    },

    /// The store holds a different proposal (another chain, Safe version or transaction) under this hash.
    ///
    /// Only possible for Safes before 1.3.0, whose EIP-712 domain has no chain id, when the same Safe address
    /// exists on two chains, or when two versions with the same domain are claimed for one Safe.
    #[error(
        "store {path} already holds a different proposal under safeTxHash {hash}: {detail}. \
         Safes before 1.3.0 do not hash the chain id; keep each chain in its own --data-dir"
    )]
    HashConflict {
        /// The safeTxHash.
        hash: B256,
        /// The store file.
        path: PathBuf,
        /// What differs.
        detail: String,
    },

    /// A chain id that SQLite cannot hold (above 2^63 − 1).
    #[error("chain id {chain_id} is too large to store (the limit is 2^63 - 1)")]
    ChainIdTooLarge {
        /// The chain id.
        chain_id: u64,
    },

    /// A signature that does not verify for the proposal's safeTxHash.
    #[error(
        "the signature by {owner} does not verify for safeTxHash {hash}: {source}; it was made for a \
         different transaction or was damaged: sign again"
    )]
    InvalidSignature {
        /// The owner the signature claims to be from.
        owner: Address,
        /// The safeTxHash it was checked against.
        hash: B256,
        /// Why it fails.
        #[source]
        source: coffer_core::Error,
    },

    /// A second signature by an owner who has already signed.
    #[error("{owner} has already signed {hash}; a Safe counts each owner once")]
    DuplicateSignature {
        /// The owner.
        owner: Address,
        /// The safeTxHash.
        hash: B256,
    },

    /// A signer who is not an owner of the Safe.
    #[error(
        "{owner} signed {hash} but is not an owner of Safe {safe}; the Safe would reject the signature \
         (ask an owner to sign instead)"
    )]
    NotAnOwner {
        /// The signer.
        owner: Address,
        /// The safeTxHash.
        hash: B256,
        /// The Safe.
        safe: Address,
    },

    /// `mark_executed` with a transaction hash other than the one already recorded.
    #[error("proposal {hash} is already recorded as executed in transaction {tx_hash}")]
    AlreadyExecuted {
        /// The safeTxHash.
        hash: B256,
        /// The Ethereum transaction already recorded.
        tx_hash: B256,
    },

    /// A bundle that is not valid JSON (a syntax error, or the file ends early).
    #[error("bundle {path} is not valid JSON: {reason} at line {line}, column {column}{hint}")]
    BundleJson {
        /// The bundle file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        reason: String,
        /// Extra advice (e.g. for a truncated file).
        hint: &'static str,
    },

    /// A bundle that is JSON but not a coffer bundle.
    #[error(
        "{path} is not a coffer bundle: \"format\" is {found}, expected \"coffer-bundle\"; \
         create one with `coffer tx export HASH -o FILE`"
    )]
    BundleFormat {
        /// The file.
        path: PathBuf,
        /// What `format` holds (JSON text, or `missing`).
        found: String,
    },

    /// A coffer bundle of a version this build does not read.
    #[error(
        "bundle {path} has version {found}, but this coffer reads version {supported} only; \
         use the coffer that wrote it, or upgrade"
    )]
    BundleVersion {
        /// The file.
        path: PathBuf,
        /// What `version` holds (JSON text, or `missing`).
        found: String,
        /// The version this build reads and writes.
        supported: u64,
    },

    /// A bundle with a missing, unknown or malformed field.
    #[error("bundle {path}: {reason}{location}")]
    BundleField {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
        /// Where, as `" at line L, column C"`, or empty when not known.
        location: String,
    },

    /// A stated hash that does not match the hash of the bundle's fields.
    #[error(
        "bundle hash mismatch: {which} is stated as {stated} but the fields hash to {computed}; {hint}. \
         Do not sign it: get a fresh export from the proposer"
    )]
    BundleHashMismatch {
        /// Which hash: `domainSeparator`, `safeTxStructHash` or `safeTxHash`.
        which: &'static str,
        /// The value written in the bundle.
        stated: B256,
        /// The value recomputed from the fields.
        computed: B256,
        /// Which fields were edited.
        hint: &'static str,
    },

    /// A bundle's display metadata (label, batch rows, payout-plan reference) says something its calldata does
    /// not do.
    #[error(
        "the bundle's metadata does not match its calldata: {reason}. Signers are shown the label and rows, so          coffer refuses the bundle: get a fresh export from the proposer"
    )]
    MetaMismatch {
        /// What differs.
        reason: String,
    },

    /// A signature that cannot be decoded (wrong length, v, kind or owner word). Reading a bundle reports it
    /// inside [`Error::BundleField`] (naming the file), reading the store inside [`Error::Corrupt`].
    #[error("signature {index} (owner {owner}, kind {kind}): {reason}")]
    SignatureEncoding {
        /// Position in the bundle's `signatures` (0 for a single one).
        index: usize,
        /// The stated owner.
        owner: Address,
        /// The stated kind.
        kind: String,
        /// What is wrong.
        reason: String,
    },

    /// Serialising JSON failed (never expected for coffer's own types).
    #[error("could not serialise {what} as JSON: {source}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },

    /// A Safe message hash that is not in the store.
    #[error("no Safe message {hash} in {path}; list them with `coffer message list SAFE`")]
    UnknownMessage {
        /// The Safe message hash asked for.
        hash: B256,
        /// The store file.
        path: PathBuf,
    },

    /// A stored Safe message row that does not read back as what was written.
    #[error(
        "store {path}: Safe message {hash}: {detail}; the row was changed outside coffer. Sign the message again"
    )]
    CorruptMessage {
        /// The store file.
        path: PathBuf,
        /// The message's key.
        hash: B256,
        /// What does not match.
        detail: String,
    },
}

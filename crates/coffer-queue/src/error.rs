//! The one error type of `coffer-queue`.

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Every error `coffer-queue` can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A chain read, a simulation or a send failed.
    #[error(transparent)]
    Chain(#[from] coffer_chain::Error),

    /// The local store refused or failed.
    #[error(transparent)]
    Store(#[from] coffer_store::Error),

    /// A Safe transaction could not be hashed or a signature not decoded.
    #[error(transparent)]
    Core(#[from] coffer_core::Error),

    /// A Transaction Service refused a request or could not be reached.
    #[error(transparent)]
    Service(#[from] coffer_txs_api::ClientError),

    /// A wallet could not sign (refused, unreachable, or its signature did not check out).
    #[error(transparent)]
    Signer(#[from] coffer_signer::Error),

    /// A drill's transfer cannot be proposed or run (the reason says what to do).
    #[error("{0}")]
    DrillTransfer(String),

    /// A drill's round trip ran but did not check out (a failed leg, balances that do not add up).
    #[error("{0}")]
    DrillFailed(String),

    /// The store and the Safe computed different safeTxHashes for one proposal.
    #[error("the store computed {stored} but the Safe {safe}; nothing was proposed")]
    HashMismatch {
        /// The store's hash.
        stored: alloy::primitives::B256,
        /// The Safe's `getTransactionHash`.
        safe: alloy::primitives::B256,
    },

    /// The proposal to sign is already executed.
    #[error("{hash} was already executed in {tx_hash}; nothing to sign")]
    AlreadyExecuted {
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// The Ethereum transaction that executed it.
        tx_hash: alloy::primitives::B256,
    },

    /// The owner has signed this proposal already.
    #[error("{owner} has already signed {hash} ({kind}); a Safe counts each owner once")]
    AlreadySigned {
        /// The owner.
        owner: alloy::primitives::Address,
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// The kind of the stored signature.
        kind: String,
    },

    /// The signer is not an owner of the Safe on chain.
    #[error(
        "{signer} is not an owner of Safe {safe}; its signature would not count. Owners: {}",
        owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    NotOwner {
        /// The signer.
        signer: alloy::primitives::Address,
        /// The Safe.
        safe: alloy::primitives::Address,
        /// Its owners.
        owners: Vec<alloy::primitives::Address>,
    },

    /// The proposal's nonce is above the Safe's: earlier nonces must execute first.
    #[error(
        "cannot execute {hash} yet: it has nonce {nonce} but the Safe is at nonce {safe_nonce}; the \
         transactions with nonces {safe_nonce}..{nonce} must execute first ({})",
        if before.is_empty() {
            "none of them is in the local queue".to_owned()
        } else {
            format!(
                "pending in the queue: {}",
                before.iter().map(|(n, h)| format!("nonce {n}: {h:#x}")).collect::<Vec<_>>().join(", ")
            )
        }
    )]
    NotNext {
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// Its nonce.
        nonce: alloy::primitives::U256,
        /// The Safe's nonce.
        safe_nonce: alloy::primitives::U256,
        /// The pending proposals of the store with the nonces in between.
        before: Vec<(alloy::primitives::U256, alloy::primitives::B256)>,
    },

    /// The proposal to execute was already executed on chain.
    #[error("{hash} was already executed in {tx_hash} (read on chain); nothing was sent")]
    ExecutedOnChain {
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// The transaction that executed it.
        tx_hash: alloy::primitives::B256,
    },

    /// Another Safe transaction used the proposal's nonce.
    #[error(
        "{hash} can never execute: its nonce {nonce} is already used, {by}. Nothing was sent. Run `coffer tx show \
         {hash}` to compare the two before deciding whether its action is still wanted"
    )]
    Replaced {
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// Its nonce.
        nonce: alloy::primitives::U256,
        /// What used the nonce.
        by: String,
    },

    /// The simulation says the inner call fails (and the execution is not forced).
    #[error(
        "the simulation says this transaction fails: {0}. Nothing was sent. Fix the cause (funds, parameters) or pass \
         --force to execute it anyway"
    )]
    SimulationFails(String),

    /// The execution an earlier run sent was mined but did not execute the proposal.
    #[error(
        "the execution an earlier run sent ({tx_hash}) was mined but did not execute {hash} (status {status}); run \
         `coffer tx show {hash}` to see what the chain says"
    )]
    ResumedElsewhere {
        /// The safeTxHash.
        hash: alloy::primitives::B256,
        /// The transaction the earlier run sent.
        tx_hash: alloy::primitives::B256,
        /// Its receipt status.
        status: &'static str,
    },
}

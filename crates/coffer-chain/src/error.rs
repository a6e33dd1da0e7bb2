use alloy::primitives::{Address, B256};

/// Errors of on-chain operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The RPC node returned an error or could not be reached.
    #[error("RPC request failed: {0}")]
    Rpc(String),
    /// A transaction was mined but reverted.
    #[error("transaction {tx} reverted")]
    Reverted {
        /// The transaction hash.
        tx: B256,
    },
    /// Neither the Safe Singleton Factory nor Arachnid's deterministic deployment proxy exists
    /// on this chain.
    #[error(
        "no CREATE2 deployer on this chain: neither the Safe Singleton Factory (0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7) nor Arachnid's proxy (0x4e59b44847b379578588920ca78fbf26c0b4956c) has code here. Deploy one of them first."
    )]
    NoDeployer,
    /// Other code already lives at the address a contract would be deployed to.
    #[error(
        "{contract}: {address} already holds different code (code hash {found}); refusing to treat it as coffer's {contract}"
    )]
    CodeMismatch {
        /// The contract name.
        contract: String,
        /// The deterministic address.
        address: Address,
        /// keccak-256 of the code found there.
        found: B256,
    },
    /// The deployment transaction succeeded but left no code at the expected address.
    #[error("{contract}: deployment to {address} left no code there")]
    NotDeployed {
        /// The contract name.
        contract: String,
        /// The deterministic address.
        address: Address,
    },
    /// An artifact problem.
    #[error(transparent)]
    Contracts(#[from] coffer_contracts::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn rpc(e: impl std::fmt::Display) -> Self {
        Self::Rpc(e.to_string())
    }
}

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
}

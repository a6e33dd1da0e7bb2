//! The crate's error type.

/// Why the server could not start or a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `--database` URL is not one the server understands.
    #[error(
        "--database {url:?} is not supported: use sqlite:PATH or postgres://USER@HOST:PORT/DB ({reason})"
    )]
    DatabaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database refused or failed an operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database holds a schema newer than this binary knows.
    #[error(
        "the database schema is version {found}, newer than this coffer ({known}): upgrade coffer"
    )]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this binary applies.
        known: i64,
    },
    /// A batched write failed (the database's message).
    #[error("database error: {0}")]
    Write(String),
    /// A stored row could not be read back (it was written by something else).
    #[error("stored row is corrupt: {0}")]
    Corrupt(String),
    /// The RPC node failed.
    #[error("cannot reach the RPC node: {0}")]
    Chain(#[from] coffer_chain::Error),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

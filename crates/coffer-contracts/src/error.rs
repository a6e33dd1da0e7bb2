use std::path::PathBuf;

/// Errors of the contract build pipeline and the artifact store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// solc could not run, or the sources did not compile.
    #[error("compiling contracts/ failed: {message}")]
    Compiler {
        /// What solc (or the shim) reported.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An artifact is not valid JSON of the expected shape.
    #[error("artifact JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// No artifact has this contract name.
    #[error(
        "no artifact named {0}; the known contracts are listed by `coffer contracts addresses`"
    )]
    UnknownContract(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

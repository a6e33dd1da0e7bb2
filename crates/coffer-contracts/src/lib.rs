#![doc = include_str!("../README.md")]

mod artifact;
pub mod bindings;
pub mod build;
mod canonical;
mod error;

pub use artifact::{Artifact, artifact, artifacts, suite};
pub use canonical::{
    CanonicalContract, CanonicalDeployment, canonical_by_code_hash, canonical_deployments,
};
pub use error::{Error, Result};

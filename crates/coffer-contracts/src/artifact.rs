use crate::{Error, Result};
use alloy::{
    json_abi::JsonAbi,
    primitives::{B256, Bytes, keccak256},
};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One compiled contract, as committed under `crates/coffer-contracts/artifacts/<Name>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// The contract's name (unique across the suite).
    pub contract_name: String,
    /// The source unit it comes from, relative to `contracts/` (`src/Safe.sol`).
    pub source_name: String,
    /// The JSON ABI.
    pub abi: JsonAbi,
    /// Creation code (init code), without constructor arguments.
    pub bytecode: Bytes,
    /// Runtime code as the compiler emits it: immutables are still zero here.
    pub deployed_bytecode: Bytes,
    /// solc's `immutableReferences` (positions of immutables in the runtime code), or null.
    #[serde(default)]
    pub immutable_references: serde_json::Value,
}

impl Artifact {
    /// keccak-256 of the runtime code. For a contract without immutables this is the code hash
    /// of every deployment of it.
    pub fn runtime_code_hash(&self) -> B256 {
        keccak256(&self.deployed_bytecode)
    }

    /// Whether it has creation code (interfaces and abstract contracts do not).
    pub fn is_deployable(&self) -> bool {
        !self.bytecode.is_empty()
    }

    /// Whether this is a test helper (under `contracts/src/test/`), not part of the suite.
    pub fn is_test_helper(&self) -> bool {
        self.source_name.starts_with("src/test/")
    }

    /// Whether the runtime code has immutables (then the deployed code hash depends on them).
    pub fn has_immutables(&self) -> bool {
        self.immutable_references.as_object().is_some_and(|m| !m.is_empty())
    }
}

include!(concat!(env!("OUT_DIR"), "/embedded_artifacts.rs"));

/// Every committed artifact, sorted by contract name.
pub fn artifacts() -> &'static [Artifact] {
    static ALL: OnceLock<Vec<Artifact>> = OnceLock::new();
    ALL.get_or_init(|| {
        EMBEDDED
            .iter()
            .filter_map(|(name, json)| match serde_json::from_str::<Artifact>(json) {
                Ok(a) => Some(a),
                // The build script embeds only files that parse; this arm is unreachable in a
                // build made from a clean tree, and skipping is safer than panicking.
                Err(_) => {
                    let _ = name;
                    None
                }
            })
            .collect()
    })
}

/// The artifacts of coffer's deployable suite: every contract with code except the test helpers
/// under `contracts/src/test/`.
pub fn suite() -> impl Iterator<Item = &'static Artifact> {
    artifacts().iter().filter(|a| a.is_deployable() && !a.is_test_helper())
}

/// The committed artifact of the contract named `name`.
pub fn artifact(name: &str) -> Result<&'static Artifact> {
    artifacts()
        .iter()
        .find(|a| a.contract_name == name)
        .ok_or_else(|| Error::UnknownContract(name.to_owned()))
}

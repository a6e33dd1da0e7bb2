//! Compiling `contracts/` with foundry-compilers into the committed artifacts.
//!
//! The compiler settings below are pinned so that the same sources always give the same bytes;
//! `contracts/README.md` explains each choice. The compiler is whatever `solc` executable is
//! given: in this repository that is `.tools/bin/solc`, the solcjs shim that `script/bootstrap`
//! installs.

use crate::{Artifact, Error, Result};
use foundry_compilers::{artifacts::CompilerOutput, solc::Solc};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

/// The exact solc version every `pragma solidity` in `contracts/src` names.
pub const SOLC_VERSION: &str = "0.8.30";
/// The EVM version the suite targets.
pub const EVM_VERSION: &str = "cancun";
/// Optimizer runs.
pub const OPTIMIZER_RUNS: u32 = 1_000_000;
/// Whether the IR pipeline is used.
pub const VIA_IR: bool = true;

/// Compiles every `.sol` file below `contracts_dir/src` with the solc at `solc` and returns one
/// [`Artifact`] per contract, interface and library, keyed by name (interfaces and abstract
/// contracts have empty code).
///
/// Source unit names are the paths relative to `contracts_dir` (`src/Safe.sol`), so the output
/// does not depend on where the checkout lives.
pub fn compile(contracts_dir: &Path, solc: &Path) -> Result<BTreeMap<String, Artifact>> {
    let solc = Solc::new(solc).map_err(|e| Error::Compiler {
        message: format!(
            "cannot run solc at {}: {e}. Run script/bootstrap to install it.",
            solc.display()
        ),
    })?;
    let short = format!("{}.{}.{}", solc.version.major, solc.version.minor, solc.version.patch);
    if short != SOLC_VERSION {
        return Err(Error::Compiler {
            message: format!("solc {short} found, but the suite is pinned to {SOLC_VERSION}"),
        });
    }

    let mut sources = serde_json::Map::new();
    for file in sol_files(&contracts_dir.join("src"))? {
        let rel = file.strip_prefix(contracts_dir).map_err(|_| Error::Compiler {
            message: format!("{} is outside {}", file.display(), contracts_dir.display()),
        })?;
        let name = rel.to_string_lossy().replace('\\', "/");
        let content =
            fs::read_to_string(&file).map_err(|source| Error::Io { path: file.clone(), source })?;
        sources.insert(name, json!({ "content": content }));
    }
    if sources.is_empty() {
        return Err(Error::Compiler {
            message: format!("no .sol files below {}", contracts_dir.join("src").display()),
        });
    }

    let input = standard_json_input(Value::Object(sources));
    let output: CompilerOutput =
        solc.compile(&input).map_err(|e| Error::Compiler { message: e.to_string() })?;
    if output.has_error() {
        let messages: Vec<String> = output
            .errors
            .iter()
            .filter(|e| e.is_error())
            .map(|e| e.formatted_message.clone().unwrap_or_else(|| e.message.clone()))
            .collect();
        return Err(Error::Compiler { message: messages.join("\n") });
    }

    let mut artifacts = BTreeMap::new();
    for (source, contracts) in output.contracts {
        for (name, contract) in contracts {
            let Some(evm) = contract.evm else { continue };
            let bytecode =
                evm.bytecode.and_then(|b| b.object.as_bytes().cloned()).unwrap_or_default();
            if bytecode.is_empty() {
                continue; // interfaces and abstract contracts
            }
            let deployed = evm.deployed_bytecode.as_ref();
            let deployed_bytecode = deployed
                .and_then(|d| d.bytecode.as_ref())
                .and_then(|b| b.object.as_bytes().cloned())
                .unwrap_or_default();
            let immutable_references = deployed
                .map(|d| serde_json::to_value(&d.immutable_references))
                .transpose()?
                .unwrap_or(Value::Null);
            let artifact = Artifact {
                contract_name: name.clone(),
                source_name: source.to_string_lossy().replace('\\', "/"),
                abi: contract.abi.unwrap_or_default(),
                bytecode,
                deployed_bytecode,
                immutable_references,
            };
            if let Some(prev) = artifacts.insert(name.clone(), artifact) {
                return Err(Error::Compiler {
                    message: format!(
                        "contract name {name} is defined twice ({} and {}); names must be unique",
                        prev.source_name,
                        source.display()
                    ),
                });
            }
        }
    }
    Ok(artifacts)
}

/// The standard-JSON input with coffer's pinned settings.
fn standard_json_input(sources: Value) -> Value {
    json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": { "enabled": true, "runs": OPTIMIZER_RUNS },
            "viaIR": VIA_IR,
            "evmVersion": EVM_VERSION,
            "metadata": { "bytecodeHash": "none", "appendCBOR": false },
            "outputSelection": {
                "*": {
                    "*": [
                        "abi",
                        "evm.bytecode.object",
                        "evm.deployedBytecode.object",
                        "evm.deployedBytecode.immutableReferences"
                    ]
                }
            }
        }
    })
}

/// Writes `artifacts` as `<dir>/<ContractName>.json`, one file each, atomically (temp file +
/// rename), and removes artifacts of contracts that no longer exist.
pub fn write_artifacts(dir: &Path, artifacts: &BTreeMap<String, Artifact>) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    for (name, artifact) in artifacts {
        let path = dir.join(format!("{name}.json"));
        let tmp = dir.join(format!(".{name}.json.tmp"));
        let mut text = serde_json::to_string_pretty(artifact)?;
        text.push('\n');
        fs::write(&tmp, text).map_err(|source| Error::Io { path: tmp.clone(), source })?;
        fs::rename(&tmp, &path).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    let entries = fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let stale = path.extension().is_some_and(|e| e == "json")
            && path.file_stem().is_some_and(|s| !artifacts.contains_key(&*s.to_string_lossy()));
        if stale {
            fs::remove_file(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        }
    }
    Ok(())
}

fn sol_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).map_err(|source| Error::Io { path: d.clone(), source })?;
        for entry in entries {
            let path = entry.map_err(|source| Error::Io { path: d.clone(), source })?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sol") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

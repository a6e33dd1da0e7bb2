//! Recompiles `contracts/` from source with the pinned solc and checks that every committed
//! artifact is byte-for-byte what the compiler produces now.
//!
//! Needs `.tools/bin/solc` (installed by `script/bootstrap`, which `script/test` runs first).

use std::path::PathBuf;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_artifacts_match_a_fresh_compile() -> Result<(), Box<dyn std::error::Error>> {
    let root = repo_root();
    let solc = std::env::var_os("COFFER_SOLC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/bin/solc"));
    assert!(
        solc.exists(),
        "{} is missing: run script/bootstrap (script/test does) to install the pinned solc",
        solc.display()
    );
    let fresh = coffer_contracts::build::compile(&root.join("contracts"), &solc)?;
    let committed = coffer_contracts::artifacts();

    let mut problems = Vec::new();
    for a in committed {
        match fresh.get(&a.contract_name) {
            None => problems.push(format!(
                "{}: committed artifact has no contract in contracts/src any more",
                a.contract_name
            )),
            Some(f) => {
                for (what, same) in [
                    ("creation bytecode", f.bytecode == a.bytecode),
                    ("runtime bytecode", f.deployed_bytecode == a.deployed_bytecode),
                    ("ABI", f.abi == a.abi),
                    ("source name", f.source_name == a.source_name),
                ] {
                    if !same {
                        problems.push(format!(
                            "{}: committed {what} differs from a fresh compile of {}",
                            a.contract_name, f.source_name
                        ));
                    }
                }
            }
        }
    }
    for name in fresh.keys() {
        if !committed.iter().any(|a| &a.contract_name == name) {
            problems.push(format!("{name}: compiled from source but has no committed artifact"));
        }
    }
    assert!(
        problems.is_empty(),
        "artifacts are stale; regenerate them with `cargo run -p coffer-cli -- contracts build`:\n  {}",
        problems.join("\n  ")
    );
    Ok(())
}

#[test]
fn every_pragma_names_the_pinned_solc() -> Result<(), Box<dyn std::error::Error>> {
    let mut stack = vec![repo_root().join("contracts/src")];
    let want = format!("pragma solidity {};", coffer_contracts::build::SOLC_VERSION);
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sol") {
                let text = std::fs::read_to_string(&path)?;
                assert!(text.contains(&want), "{} does not say `{want}`", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no Solidity sources found");
    Ok(())
}

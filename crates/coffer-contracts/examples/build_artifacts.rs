//! Regenerates `crates/coffer-contracts/artifacts` from `contracts/src` (the same code path as
//! `coffer contracts build`). Usage: `cargo run -p coffer-contracts --example build_artifacts`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let solc = std::env::var_os("COFFER_SOLC")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/bin/solc"));
    let artifacts = coffer_contracts::build::compile(&root.join("contracts"), &solc)?;
    coffer_contracts::build::write_artifacts(
        &root.join("crates/coffer-contracts/artifacts"),
        &artifacts,
    )?;
    eprintln!("wrote {} artifacts", artifacts.len());
    Ok(())
}

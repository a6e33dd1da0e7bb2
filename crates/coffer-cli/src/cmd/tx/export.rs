//! `coffer tx export HASH -o FILE`: write a proposal and its signatures as an offline bundle.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::{opts::StoreOpts, output::print_json};

/// Arguments of `coffer tx export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// The bundle file to write (replaced atomically if it exists).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreOpts,
}

impl ExportArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let hash = store.resolve(&self.hash)?;
        let bundle = store.export_bundle(hash)?;
        bundle.write_atomic(&self.output)?;
        if self.json {
            return print_json(&json!({
                "file": self.output,
                "safeTxHash": hash,
                "signatures": bundle.signatures.len(),
            }));
        }
        println!("{}", self.output.display());
        eprintln!(
            "wrote {hash} with {} signature(s) to {}; sign it offline with `coffer tx sign --bundle {}`",
            bundle.signatures.len(),
            self.output.display(),
            self.output.display()
        );
        Ok(())
    }
}
